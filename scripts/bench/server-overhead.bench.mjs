// Server overhead: with instant stand-in providers in a separate server process, the time from sending turn.end
// to receiving the first reply audio byte, over a real loopback WebSocket. Target p50 < 5 ms, p95 < 15 ms.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, SPEECH_FORMAT, encodeMessage } from '../../shared/dist/index.js';
import { median, percentile, round } from './stats.mjs';

const TURNS = Number(process.env.BENCH_TURNS ?? 300);
const WARMUP = 20;

export async function run() {
  const { child, port } = await startFakeServer();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/device`, { headers: { Authorization: 'Bearer bench-token' } });
    const inbox = new Inbox(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, capabilities: { playback: [SPEECH_FORMAT], features: [] } }));
    await inbox.next((f) => !f.binary && f.message.type === 'hello');
    const frame = new Uint8Array(640);
    const samples = [];
    for (let i = 0; i < TURNS + WARMUP; i++) {
      const turnId = `b${i}`;
      ws.send(encodeMessage({ type: 'turn.start', turnId, format: SPEECH_FORMAT }));
      for (let f = 0; f < 10; f++) ws.send(frame);
      const sent = performance.now();
      ws.send(encodeMessage({ type: 'turn.end', turnId }));
      const first = await inbox.next((f) => f.binary);
      await inbox.next((f) => !f.binary && f.message.type === 'turn.done' && f.message.turnId === turnId);
      if (i >= WARMUP) samples.push(first.at - sent);
    }
    ws.close();
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    return [
      { name: 'turn.end → first audio byte p50', value: round(p50), unit: 'ms', target: '< 5', pass: p50 < 5 },
      { name: 'turn.end → first audio byte p95', value: round(p95), unit: 'ms', target: '< 15', pass: p95 < 15 },
      { name: 'turns measured', value: samples.length, unit: 'turns' },
    ];
  } finally {
    child.kill('SIGTERM');
  }
}

export async function startFakeServer(env = {}) {
  const script = fileURLToPath(new URL('./fake-server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('fake server did not start within 10 s')), 10_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`fake server exited with ${code}`)));
  });
  return { child, port: JSON.parse(line).port };
}

/** Frames received, consumed in order by predicate. */
class Inbox {
  frames = [];
  waiter = undefined;
  constructor(ws) {
    ws.on('message', (data, binary) => {
      const at = performance.now();
      this.frames.push(binary ? { binary, at } : { binary, at, message: JSON.parse(data.toString()) });
      this.waiter?.();
    });
  }
  next(match, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench: timed out waiting for a frame')), timeoutMs);
      const check = () => {
        const i = this.frames.findIndex(match);
        if (i < 0) return;
        const [f] = this.frames.splice(0, i + 1).slice(-1);
        this.waiter = undefined;
        clearTimeout(timer);
        resolve(f);
      };
      this.waiter = check;
      check();
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run());
