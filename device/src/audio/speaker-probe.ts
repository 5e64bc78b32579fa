import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** What the probe child runs: load `speaker`, open the PCM, write 10 ms of silence, close. */
const PROBE_SCRIPT = `
const Speaker = require(process.argv[1]);
const device = process.argv[2] || undefined;
const s = new Speaker({ channels: 1, sampleRate: 16000, bitDepth: 16, signed: true, device });
s.on('error', (e) => { console.error(e && e.message); process.exit(3); });
s.write(Buffer.alloc(320), (e) => { if (e) { console.error(e.message); process.exit(2); } s.close(true); process.exit(0); });
`;

/**
 * Finds out, in a child process, whether `speaker` can be loaded and can open `device` here. Loading it aborts the
 * whole process when ALSA has no `default` PCM (TooTallNate/node-speaker#126, #96): that must happen to a child,
 * not to the daemon. Never throws; a missing module, a crash, a failed open or a timeout all answer `ok: false`.
 */
export async function probeSpeaker(device: string | undefined, timeoutMs = 10_000): Promise<ProbeResult> {
  let modulePath: string;
  try {
    modulePath = createRequire(import.meta.url).resolve('speaker');
  } catch {
    return { ok: false, reason: 'the speaker module is not installed' };
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', PROBE_SCRIPT, modulePath, device ?? ''], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ ok: true });
      const last = stderr.trim().split('\n').filter((l) => !l.startsWith('    at ')).pop() ?? '';
      const why =
        signal === 'SIGABRT'
          ? 'loading speaker aborted: ALSA has no usable default PCM'
          : signal === 'SIGKILL'
            ? `no answer within ${timeoutMs} ms`
            : `exit ${signal ?? code}`;
      resolve({ ok: false, reason: last ? `${why} (${last})` : why });
    });
  });
}
