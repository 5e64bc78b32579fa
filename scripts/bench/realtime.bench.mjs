// Realtime relay overhead. The server runs in its own process with realtime mode on; its upstream is the loopback
// stand-in realtime API (TLS, answering instantly) in this process. Measures, over real loopback WebSockets:
//  - release (turn.end) → first reply audio byte at the device, p50/p95: what the relay adds (the model adds 0 here);
//  - server CPU per concurrent realtime session: N devices talking at once (1 s of real-time speech per turn,
//    0.6 s replies), the server process's CPU time (/proc) over wall time, divided by N.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { RealtimeStandin } from '../../server/dist/realtime/testing/standin.js';
import { PROTOCOL_VERSION, SPEECH_FORMAT, encodeMessage } from '../../shared/dist/index.js';
import { percentile, round } from './stats.mjs';

const TURNS = Number(process.env.BENCH_TURNS ?? 200);
const WARMUP = 10;
const SESSIONS = Number(process.env.BENCH_RT_SESSIONS ?? 10);
const LOAD_MS = Number(process.env.BENCH_RT_LOAD_MS ?? 6000);
const KEY = 'sk-bench';

export async function run() {
  const standin = await RealtimeStandin.start({ apiKey: KEY, reply: () => ({ audioMs: 600, chunkMs: 100 }) });
  const { child, port } = await startServer({ RT_KEY: KEY, RT_BASE_URL: standin.baseUrl, RT_CA: standin.ca });
  try {
    const url = `ws://127.0.0.1:${port}/ws/device`;
    // 1. Latency, one device, turns one after another.
    const device = await Device.open(url, 'bench-token-0');
    const frame = new Uint8Array(640); // 20 ms at 16 kHz
    const samples = [];
    const inServer = [];
    for (let i = 0; i < TURNS + WARMUP; i++) {
      const turnId = `l${i}`;
      device.send({ type: 'turn.start', turnId, format: SPEECH_FORMAT });
      for (let f = 0; f < 10; f++) device.ws.send(frame);
      const sent = performance.now();
      device.send({ type: 'turn.end', turnId });
      const first = await device.inbox.next((f) => f.binary);
      const done = await device.inbox.next((f) => !f.binary && f.message.type === 'turn.done' && f.message.turnId === turnId);
      const t = done.message.timings;
      if (process.env.BENCH_DEBUG && i === TURNS + WARMUP - 1) console.error(t);
      if (i >= WARMUP) samples.push(first.at - sent);
      // Time the server itself spends relaying: model audio in → device chunk out (the rest is network + model).
      if (i >= WARMUP && t.firstAudioSent !== undefined && t.modelFirstAudio !== undefined) inServer.push(t.firstAudioSent - t.modelFirstAudio);
    }
    device.ws.close();
    const bare = await bareRoundTrips(standin, 60);

    // 2. CPU with SESSIONS devices talking at once.
    const devices = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => Device.open(url, `bench-token-${i + 1}`)));
    const cpu0 = cpuMs(child.pid);
    const t0 = performance.now();
    let turns = 0;
    await Promise.all(
      devices.map(async (d, n) => {
        for (let i = 0; performance.now() - t0 < LOAD_MS; i++) {
          const turnId = `c${n}-${i}`;
          d.send({ type: 'turn.start', turnId, format: SPEECH_FORMAT });
          for (let f = 0; f < 50; f++) {
            d.ws.send(frame);
            await new Promise((r) => setTimeout(r, 20));
          }
          d.send({ type: 'turn.end', turnId });
          await d.inbox.next((f) => !f.binary && f.message.type === 'turn.done' && f.message.turnId === turnId, 10_000);
          turns++;
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const cpuPct = ((cpuMs(child.pid) - cpu0) / wallMs) * 100;
    for (const d of devices) d.ws.close();
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    const relay50 = percentile(inServer, 50);
    const relay95 = percentile(inServer, 95);
    const bare50 = percentile(bare, 50);
    return [
      { name: 'release → first audio byte p50 (device, instant stand-in)', value: round(p50), unit: 'ms' },
      { name: 'release → first audio byte p95 (device, instant stand-in)', value: round(p95), unit: 'ms' },
      { name: 'bare SDK round trip to the stand-in p50 (commit+create → response.created)', value: round(bare50), unit: 'ms' },
      { name: 'added by PiChat p50 (release→first byte minus bare round trip)', value: round(p50 - bare50), unit: 'ms', target: '< 5', pass: p50 - bare50 < 5 },
      { name: 'in-server relay, model audio in → device chunk out p50', value: round(relay50), unit: 'ms', target: '< 2', pass: relay50 < 2 },
      { name: 'in-server relay, model audio in → device chunk out p95', value: round(relay95), unit: 'ms', target: '< 5', pass: relay95 < 5 },
      { name: 'turns measured', value: samples.length, unit: 'turns' },
      { name: `server CPU, ${SESSIONS} concurrent realtime sessions`, value: round(cpuPct), unit: '% of a core' },
      { name: 'server CPU per concurrent realtime session', value: round(cpuPct / SESSIONS), unit: '% of a core', target: '< 5', pass: cpuPct / SESSIONS < 5 },
      { name: 'load turns completed', value: turns, unit: 'turns' },
    ];
  } finally {
    child.kill('SIGTERM');
    await standin.close();
  }
}

/** The same upstream exchange without PiChat: the SDK client straight to the stand-in, from this process. */
async function bareRoundTrips(standin, n) {
  const { openAiConnector } = await import('../../server/dist/realtime/connector.js');
  const connect = openAiConnector({ provider: 'openai', apiKey: KEY, baseUrl: standin.baseUrl, connectTimeoutMs: 5000, wsOptions: { ca: standin.ca } });
  let waiter;
  const socket = await connect({ model: 'gpt-realtime' }, { event: (e) => waiter?.(e), pong() {}, closed() {} });
  const audio = Buffer.alloc(9600).toString('base64');
  const out = [];
  try {
    for (let i = 0; i < n; i++) {
      socket.send({ type: 'input_audio_buffer.append', audio });
      const t = performance.now();
      socket.send({ type: 'input_audio_buffer.commit' });
      socket.send({ type: 'response.create' });
      await new Promise((r) => (waiter = (e) => e.type === 'response.created' && r()));
      out.push(performance.now() - t);
      await new Promise((r) => (waiter = (e) => e.type === 'response.done' && r()));
    }
  } finally {
    socket.close();
  }
  return out.slice(5);
}

/** utime + stime of a process, ms (Linux /proc). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
}

async function startServer(env) {
  const script = fileURLToPath(new URL('./realtime-server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('realtime bench server did not start within 10 s')), 10_000);
    rl.once('line', (l) => (clearTimeout(timer), resolve(l)));
    child.once('exit', (code) => reject(new Error(`realtime bench server exited with ${code}`)));
  });
  return { child, port: JSON.parse(line).port };
}

class Device {
  static async open(url, token) {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    const d = new Device(ws);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    d.send({ type: 'hello', protocol: PROTOCOL_VERSION, capabilities: { playback: [SPEECH_FORMAT], features: [] } });
    await d.inbox.next((f) => !f.binary && f.message.type === 'hello');
    return d;
  }
  constructor(ws) {
    this.ws = ws;
    this.inbox = new Inbox(ws);
  }
  send(message) {
    this.ws.send(encodeMessage(message));
  }
}

/** Frames received, consumed in order by predicate. */
class Inbox {
  frames = [];
  waiters = [];
  constructor(ws) {
    ws.on('message', (data, binary) => {
      const at = performance.now();
      this.frames.push(binary ? { binary, at } : { binary, at, message: JSON.parse(data.toString()) });
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }
  next(match, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench: timed out waiting for a frame')), timeoutMs);
      const check = () => {
        const i = this.frames.findIndex(match);
        if (i < 0) return void this.waiters.push(check);
        clearTimeout(timer);
        const [frame] = this.frames.splice(0, i + 1).slice(-1);
        resolve(frame);
      };
      check();
    });
  }
}
