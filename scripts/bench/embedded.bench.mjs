// Embedded default end to end: the real server program (pocketsphinx, local skills, espeak-ng) in its own process,
// a device streaming a 2 s spoken command at real-time pace over loopback; time from release (turn.end sent) to
// the first reply audio byte received. Target < 250 ms on a 2-core machine.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { LinearResampler, PROTOCOL_VERSION, SPEECH_FORMAT, decodeWav, encodeMessage } from '../../shared/dist/index.js';
import { median, percentile, round } from './stats.mjs';

const COMMANDS = ['what time is it', 'set the volume to fifty percent', 'what is the date today', 'turn the volume up'];
const ROUNDS = Number(process.env.BENCH_EMBEDDED_ROUNDS ?? 3);
const TOKEN = 'bench-embedded-token-000';

export async function run() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'pichat-bench-'));
  const main = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));
  const server = spawn(process.execPath, [main], {
    env: { ...process.env, PICHAT_PORT: String(port), PICHAT_HOST: '127.0.0.1', PICHAT_DATA_DIR: dataDir, PICHAT_DEVICE_TOKEN: TOKEN, PICHAT_ENV_FILE: '/nonexistent', PICHAT_ADMIN_PASSWORD: 'bench-password-123' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start within 20 s')), 20_000);
      let err = '';
      server.stderr.on('data', (d) => {
        err += d;
        if (err.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
    });
    const clips = COMMANDS.map((text) => ({ text, pcm: twoSeconds(text) }));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/device`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const events = [];
    let wake;
    ws.on('message', (data, binary) => {
      events.push({ binary, at: performance.now(), message: binary ? undefined : JSON.parse(data.toString()) });
      wake?.();
    });
    const next = (match, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('bench: timed out')), timeoutMs);
        const check = () => {
          const i = events.findIndex(match);
          if (i < 0) return;
          const [e] = events.splice(0, i + 1).slice(-1);
          clearTimeout(timer);
          wake = undefined;
          resolve(e);
        };
        wake = check;
        check();
      });
    const playback = [16000, 22050, 24000, 48000].map((sampleRateHz) => ({ encoding: 'pcm_s16le', sampleRateHz, channels: 1 }));
    ws.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, capabilities: { playback, features: [] } }));
    await next((e) => !e.binary && e.message.type === 'hello');

    const latencies = [];
    let correct = 0;
    let turns = 0;
    for (let round_ = 0; round_ < ROUNDS + 1; round_++) {
      for (const clip of clips) {
        const turnId = `e${round_}-${turns++}`;
        ws.send(encodeMessage({ type: 'turn.start', turnId, format: SPEECH_FORMAT }));
        const start = performance.now();
        for (let i = 0, off = 0; off < clip.pcm.byteLength; i++, off += 640) {
          const wait = start + i * 20 - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          ws.send(clip.pcm.subarray(off, off + 640));
        }
        const released = performance.now();
        ws.send(encodeMessage({ type: 'turn.end', turnId }));
        const transcript = await next((e) => !e.binary && e.message.type === 'transcript' && e.message.turnId === turnId);
        const first = await next((e) => e.binary);
        await next((e) => !e.binary && e.message.type === 'turn.done' && e.message.turnId === turnId);
        if (round_ === 0) continue; // warm-up round: first model loads, first Intl use, JIT
        latencies.push(first.at - released);
        if (transcript.message.text === clip.text) correct++;
      }
    }
    ws.close();
    const p50 = median(latencies);
    return [
      { name: 'release → first reply audio byte p50 (2 s command, real-time)', value: round(p50, 1), unit: 'ms', target: '< 250', pass: p50 < 250 },
      { name: 'release → first reply audio byte p95', value: round(percentile(latencies, 95), 1), unit: 'ms' },
      { name: 'transcripts exactly right', value: correct, unit: `of ${latencies.length}` },
    ];
  } finally {
    server.kill('SIGTERM');
  }
}

/** espeak-ng speech of `text`, at 16 kHz mono, padded with silence to 2 s. */
function twoSeconds(text) {
  const wav = join(mkdtempSync(join(tmpdir(), 'pichat-say-')), 'c.wav');
  execFileSync('espeak-ng', ['-w', wav, text]);
  const { format, pcm } = decodeWav(new Uint8Array(readFileSync(wav)));
  const speech = new LinearResampler(format, 16000).push(pcm);
  const out = new Uint8Array(Math.max(64000, speech.byteLength));
  out.set(speech, Math.min(6400, out.byteLength - speech.byteLength)); // 200 ms lead-in, the rest silence
  return out;
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run());
