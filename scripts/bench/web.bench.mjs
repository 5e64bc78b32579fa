// Web side: (1) what a browser transfers on its first load of the UI, compressed (target < 200 KB); (2) 500
// browsers on /ws/chat while a device turn happens: the spread between the first and the last socket receiving
// each live event (target < 50 ms). The server runs in a child process (this file, PICHAT_BENCH_ROLE=server) so
// that its event loop is not the clients'. Env: BENCH_SOCKETS (500), BENCH_LIVE_TURNS (10).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, SPEECH_FORMAT, encodeMessage } from '../../shared/dist/index.js';
import { median, percentile, round } from './stats.mjs';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 500);
const TURNS = Number(process.env.BENCH_LIVE_TURNS ?? 10);
/** Turns run first and not counted (JIT warm-up of both processes). */
const WARMUP = 3;
const PASSWORD = 'bench-password-123';
const USER_CREATED = Buffer.from('"role":"user"');
const TURN_DONE = Buffer.from('"action":"turn_done"');
const DEVICE_TOKEN = 'bench-device-token';

if (process.env.PICHAT_BENCH_ROLE === 'server') await serve();

async function serve() {
  const { build } = await import('../../server/dist/app.js');
  const { openStore } = await import('../../server/dist/store/sqlite.js');
  const { FakeBrain, FakeStt, FakeTts } = await import('../../server/dist/testing/fakes.js');
  const dir = mkdtempSync(join(tmpdir(), 'pichat-bench-web-'));
  const store = openStore(dir);
  store.devices.add('bench', DEVICE_TOKEN);
  const app = build({
    store,
    providers: { stt: new FakeStt(), brain: new FakeBrain(() => 'It is ten past three.', 3), tts: new FakeTts({ msPerChar: 2 }) },
  });
  await app.auth.ensureAdmin('admin', PASSWORD);
  const address = await app.listen(0, '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  process.on('SIGTERM', () =>
    app.close().then(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }),
  );
}

export async function run() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PICHAT_BENCH_ROLE: 'server' },
  });
  try {
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench server did not start within 15 s')), 15_000);
      createInterface({ input: child.stdout }).once('line', (l) => (clearTimeout(timer), resolve(JSON.parse(l).port)));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const load = await firstLoad(base);
    const live = await liveFanOut(base, port);
    return [
      { name: 'UI first load, transferred (br)', value: round(load.bytes / 1024, 1), unit: 'KB', target: '< 200', pass: load.bytes < 200 * 1024 },
      { name: 'UI first load, uncompressed', value: round(load.raw / 1024, 1), unit: 'KB' },
      { name: 'UI first load, requests', value: load.requests, unit: 'requests' },
      { name: 'chat sockets connected', value: live.sockets, unit: 'sockets' },
      { name: 'live turns measured (after 3 warm-up)', value: live.spreads.length, unit: 'turns' },
      { name: 'live event spread (first → last socket) p50', value: round(median(live.spreads)), unit: 'ms' },
      { name: 'live event spread (first → last socket) max', value: round(Math.max(...live.spreads)), unit: 'ms', target: '< 50', pass: Math.max(...live.spreads) < 50 },
      { name: 'device transcript → first browser p95', value: round(percentile(live.firstLatency, 95)), unit: 'ms' },
    ];
  } finally {
    child.kill('SIGTERM');
  }
}

/** Fetches what a browser fetches on a first visit: index.html, then its scripts, styles and icon. */
async function firstLoad(base) {
  const headers = { 'Accept-Encoding': 'br, gzip' };
  let bytes = 0;
  let raw = 0;
  let requests = 0;
  const get = async (path) => {
    const res = await fetch(`${base}${path}`, { headers });
    const body = Buffer.from(await res.arrayBuffer()); // fetch decodes: count the wire size from Content-Length
    const wire = Number(res.headers.get('content-length') ?? body.byteLength);
    const headerBytes = [...res.headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 20);
    bytes += wire + headerBytes;
    raw += body.byteLength;
    requests++;
    return body.toString('utf8');
  };
  const html = await get('/');
  const refs = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
  for (const ref of refs) await get(ref);
  await get('/api/session'); // 401 before login: part of the first load
  return { bytes, raw, requests };
}

async function liveFanOut(base, port) {
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const clients = [];
  for (let i = 0; i < SOCKETS; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(SOCKETS, i + 50); j++) {
      batch.push(
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`, { headers: { Cookie: cookie, Origin: base }, perMessageDeflate: false });
          const client = { ws, seen: new Map(), done: new Set() };
          // Time first, then the cheapest test that tells the frames apart: one process plays 500 browsers, and
          // its own per-frame work would otherwise count as the server's spread.
          ws.on('message', (data) => {
            const at = performance.now();
            if (data.includes(USER_CREATED)) client.seen.set(JSON.parse(data.toString()).payload.message.turn_id, at);
            else if (data.includes(TURN_DONE)) client.done.add(JSON.parse(data.toString()).payload.turn_id);
          });
          ws.once('open', () => resolve(client));
          ws.once('error', reject);
        }),
      );
    }
    clients.push(...(await Promise.all(batch)));
  }
  const device = new WebSocket(`ws://127.0.0.1:${port}/ws/device`, { headers: { Authorization: `Bearer ${DEVICE_TOKEN}` } });
  const inbox = [];
  device.on('message', (data, binary) => {
    if (!binary) inbox.push(JSON.parse(data.toString()));
  });
  await new Promise((resolve, reject) => (device.once('open', resolve), device.once('error', reject)));
  device.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, capabilities: { playback: [SPEECH_FORMAT], features: [] } }));
  await until(() => inbox.some((m) => m.type === 'hello'));
  const spreads = [];
  const firstLatency = [];
  for (let t = -WARMUP; t < TURNS; t++) {
    const turnId = `live${t}`;
    device.send(encodeMessage({ type: 'turn.start', turnId, format: SPEECH_FORMAT }));
    device.send(new Uint8Array(3200));
    const sent = performance.now();
    device.send(encodeMessage({ type: 'turn.end', turnId }));
    await until(() => clients.every((c) => c.seen.has(turnId)), 10_000);
    const times = clients.map((c) => c.seen.get(turnId));
    // Each turn starts from quiet sockets: every browser has had the previous turn's last event.
    await until(() => clients.every((c) => c.done.has(turnId)), 10_000);
    if (t < 0) continue;
    spreads.push(Math.max(...times) - Math.min(...times));
    if (process.env.BENCH_DEBUG) process.stderr.write(`turn ${t}: spread ${(Math.max(...times) - Math.min(...times)).toFixed(1)} ms, first ${(Math.min(...times) - sent).toFixed(1)} ms\n`);
    firstLatency.push(Math.min(...times) - sent);
    await until(() => inbox.some((m) => m.type === 'turn.done' && m.turnId === turnId));
  }
  device.close();
  for (const c of clients) c.ws.terminate();
  return { sockets: clients.length, spreads, firstLatency };
}

function until(check, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const tick = () => {
      if (check()) return resolve();
      if (performance.now() - started > timeoutMs) return reject(new Error('bench: timed out'));
      setTimeout(tick, 1);
    };
    tick();
  });
}

if (import.meta.url === `file://${process.argv[1]}` && process.env.PICHAT_BENCH_ROLE !== 'server') console.table(await run());
