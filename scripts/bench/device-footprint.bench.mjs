// Device daemon footprint: the compiled daemon (`node device/dist/main.js`) in a child process, linked to a server
// with instant stand-in providers, with its microphone open (pre-roll) through a stand-in arecord paced like a real
// one and its speaker on an ALSA file PCM. Measures the daemon process itself (not the recorder child) from /proc:
// resident memory and CPU time, idle and while streaming a held press. Node runs with the flags of the unit's
// ExecStart (BENCH_NODE_FLAGS overrides them).
// Targets (issue 3): RSS < 60 MB, idle CPU < 1 % of a core, streaming < 5 %.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStandinArecord } from '../../device/dist/testing/standin-arecord.js';
import { startFakeServer } from './server-overhead.bench.mjs';
import { round } from './stats.mjs';

const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 20);
const STREAM_S = Number(process.env.BENCH_STREAM_S ?? 10);
const root = fileURLToPath(new URL('../..', import.meta.url));
/** Node's flags as the systemd unit runs the daemon, so that the figures are those of a Pi. */
const NODE_FLAGS = (/^ExecStart=\S+ (.*?)\s*\S+main\.js$/m.exec(readFileSync(join(root, 'systemd/pichat-device.service'), 'utf8'))?.[1] ?? '')
  .split(' ')
  .filter(Boolean);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) of a process so far, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident memory of a process now, in MB. */
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU use over `seconds` as percent of one core, and the largest RSS seen (sampled every 250 ms). */
async function measure(pid, seconds) {
  const t0 = performance.now();
  const c0 = cpuSeconds(pid);
  let peak = rssMb(pid);
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 250));
    peak = Math.max(peak, rssMb(pid));
  }
  const wall = (performance.now() - t0) / 1000;
  return { cpuPercent: ((cpuSeconds(pid) - c0) / wall) * 100, rssMb: rssMb(pid), peakRssMb: peak };
}

function waitFor(getText, pattern, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (pattern.test(getText())) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`bench: ${what} not seen within ${timeoutMs} ms`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-footprint-'));
  writeFileSync(join(dir, 'asound.conf'), `</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n  format "raw"\n}\n`);
  const arecord = writeStandinArecord();
  const server = await startFakeServer({ BENCH_TOKEN: 'bench-device-token' });
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? NODE_FLAGS), join(root, 'device/dist/main.js')], {
    env: {
      PATH: `${arecord.dir}:${process.env.PATH}`,
      HOME: process.env.HOME,
      ALSA_CONFIG_PATH: join(dir, 'asound.conf'),
      PICHAT_DEVICE_ENV: join(dir, 'none.env'),
      PICHAT_DEVICE_TOKEN: 'bench-device-token',
      PICHAT_SERVER_URL: `ws://127.0.0.1:${server.port}/ws/device`,
      PICHAT_STATE_DIR: join(dir, 'state'),
      PICHAT_MAX_TURN_MS: String((STREAM_S + 10) * 1000),
      // e.g. BENCH_DEVICE_ENV='{"PICHAT_PREROLL_MS":"0"}' to compare settings
      ...JSON.parse(process.env.BENCH_DEVICE_ENV ?? '{}'),
    },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  writeFileSync(join(dir, 'none.env'), '');
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d.toString()));
  try {
    await waitFor(() => stderr, /state state="idle"/, 15_000, 'the daemon connecting');
    await new Promise((r) => setTimeout(r, 5000)); // start-up work (probe, lazy compilation, GC) settles
    const idle = await measure(child.pid, IDLE_S);

    child.stdin.write('press\n');
    await waitFor(() => stderr, /state state="listening"/, 5000, 'listening');
    const streaming = await measure(child.pid, STREAM_S);
    child.stdin.write('release\n');
    await waitFor(() => stderr, /state state="speaking"/, 10_000, 'the reply');
    const afterTurn = rssMb(child.pid);

    const peak = Math.max(idle.peakRssMb, streaming.peakRssMb, afterTurn);
    return [
      { name: 'RSS idle', value: round(idle.rssMb, 1), unit: 'MB', target: '< 60', pass: idle.rssMb < 60 },
      { name: 'RSS peak (idle, streaming, reply)', value: round(peak, 1), unit: 'MB', target: '< 60', pass: peak < 60 },
      { name: `CPU idle (mic open for pre-roll, ${IDLE_S} s)`, value: round(idle.cpuPercent, 2), unit: '% of a core', target: '< 1', pass: idle.cpuPercent < 1 },
      { name: `CPU streaming a held press (${STREAM_S} s)`, value: round(streaming.cpuPercent, 2), unit: '% of a core', target: '< 5', pass: streaming.cpuPercent < 5 },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    server.child.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run());
