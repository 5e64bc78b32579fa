// Device latencies, in process with the compiled daemon and its real parts: the ws link to a server with instant
// stand-in providers, node-record-lpcm16 with a stand-in arecord paced like a microphone, and the `speaker` addon
// on an ALSA file PCM (the native writes are timed through a wrapper around the real factory). Medians of
// BENCH_TURNS turns each:
//   press → first audio frame handed to the socket, with the pre-roll (default) and without it (recorder per turn);
//   reply chunk received from the socket → its first byte written to ALSA (first chunk of a reply, and all chunks);
//   barge-in press during a reply → the PCM closed (speaker).
// The stand-in server sends a reply's chunks in one burst, so the first chunk meets a full jitter buffer at once;
// on a real link the first chunk waits at most PICHAT_JITTER_MS. aplay's stop (SIGKILL, then the PCM is closed by
// the kernel) is not timed here: on a file PCM without a clock aplay has drained and left before any press; see
// device/src/audio/playback_alsa.test.ts for its stop test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION, silentLogger } from '../../shared/dist/index.js';
import { ArecordSource } from '../../device/dist/audio/capture.js';
import { EarconPlayer } from '../../device/dist/audio/earcon-player.js';
import { withJitterBuffer } from '../../device/dist/audio/jitter-buffer.js';
import { PreRollSource } from '../../device/dist/audio/pre-roll.js';
import { PLAYBACK_FORMATS } from '../../device/dist/audio/select-sink.js';
import { loadSpeaker, SpeakerSink } from '../../device/dist/audio/speaker-sink.js';
import { Daemon } from '../../device/dist/daemon/daemon.js';
import { WsLink } from '../../device/dist/link/ws-link.js';
import { writeStandinArecord } from '../../device/dist/testing/standin-arecord.js';
import { startFakeServer } from './server-overhead.bench.mjs';
import { median, round } from './stats.mjs';

const TURNS = Number(process.env.BENCH_TURNS ?? 20);
const TOKEN = 'bench-latency-token';

const dir = mkdtempSync(join(tmpdir(), 'pichat-latency-'));
writeFileSync(join(dir, 'asound.conf'), `</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n  format "raw"\n}\n`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(check, what, timeoutMs = 5000) {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`bench: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(1);
  }
}

/** A daemon wired as main wires it, with hooks that time the link and the speaker. */
async function rig(port, { preRollMs }) {
  const t = { firstFrameAt: undefined, received: [], writes: [], closedAt: undefined };
  const link = new WsLink({
    url: `ws://127.0.0.1:${port}/ws/device`,
    token: TOKEN,
    hello: () => ({ type: 'hello', protocol: PROTOCOL_VERSION, capabilities: { playback: [...PLAYBACK_FORMATS], features: ['volume'] } }),
    log: silentLogger,
    pingIntervalMs: 2000,
    deadAfterMs: 8000,
    helloTimeoutMs: 10_000,
    backoffInitialMs: 100,
    backoffMaxMs: 1000,
    maxBufferedBytes: 64 * 1024,
  });
  const sendAudio = link.sendAudio.bind(link);
  link.sendAudio = (pcm) => {
    t.firstFrameAt ??= performance.now();
    return sendAudio(pcm);
  };
  // Subscribed before the daemon, so a chunk's arrival is stamped before the daemon handles it.
  link.subscribe({ audio: (chunk) => t.received.push({ at: performance.now(), bytes: chunk.byteLength }) });
  const mic = new ArecordSource({ device: 'default', frameMs: 20, log: silentLogger });
  const preRoll = preRollMs > 0 ? new PreRollSource({ inner: mic, preRollMs, log: silentLogger }) : undefined;
  const real = loadSpeaker();
  const sink = new SpeakerSink({
    tailPadMs: 150,
    formats: PLAYBACK_FORMATS,
    create: (o) => {
      const s = real(o);
      return {
        write: (chunk, cb) => {
          t.writes.push({ at: performance.now(), bytes: chunk.byteLength });
          return s.write(chunk, cb);
        },
        close: (flush) => {
          t.closedAt ??= performance.now();
          return s.close(flush);
        },
        on: (e, l) => s.on(e, l),
      };
    },
  });
  let volume = 80;
  const earcons = new EarconPlayer({ sink, levelPercent: 0, volume: () => volume, log: silentLogger });
  const daemon = new Daemon({
    source: preRoll ?? mic,
    sink: withJitterBuffer(earcons, 60),
    link,
    log: silentLogger,
    volume,
    maxTurnMs: 30_000,
    replyTimeoutMs: 10_000,
    errorHoldMs: 200,
    onVolume: (v) => (volume = v),
  });
  daemon.start();
  preRoll?.open();
  link.start();
  await until(() => daemon.state === 'idle', 'connecting');
  const close = async () => {
    await daemon.close();
    await preRoll?.close();
    await link.close();
  };
  return { t, daemon, close };
}

async function pressToFirstFrame(port, preRollMs) {
  const r = await rig(port, { preRollMs });
  const samples = [];
  try {
    for (let i = 0; i < TURNS; i++) {
      await sleep(preRollMs + 100); // the pre-roll refills between presses, as between real turns
      r.t.firstFrameAt = undefined;
      const pressedAt = performance.now();
      r.daemon.press();
      await until(() => r.t.firstFrameAt !== undefined, 'the first frame');
      samples.push(r.t.firstFrameAt - pressedAt);
      r.daemon.cancel('bench');
    }
  } finally {
    await r.close();
  }
  return median(samples);
}

/** Plays TURNS replies; returns chunk latencies and barge-in → silence (the press comes 40 ms into playback). */
async function replies(port) {
  const r = await rig(port, { preRollMs: 300 });
  const first = [];
  const all = [];
  const silence = [];
  try {
    for (let i = 0; i < TURNS; i++) {
      await sleep(400);
      r.t.received = [];
      r.t.writes = [];
      r.t.closedAt = undefined;
      r.daemon.press();
      await sleep(100);
      r.daemon.release();
      await until(() => r.daemon.state === 'speaking', 'the reply', 10_000);
      await sleep(40);
      {
        // chunk i's first byte is in the write that reaches past the bytes of the chunks before it
        let before = 0;
        for (const [n, chunk] of r.t.received.entries()) {
          let written = 0;
          const w = r.t.writes.find((x) => (written += x.bytes) > before);
          before += chunk.bytes;
          if (!w) continue;
          (n === 0 ? first : all).push(w.at - chunk.at);
        }
      }
      const pressedAt = performance.now();
      r.daemon.press();
      await until(() => r.t.closedAt !== undefined, 'the speaker closing');
      silence.push(r.t.closedAt - pressedAt);
      r.daemon.cancel('bench');
    }
  } finally {
    await r.close();
  }
  return { first: median(first), all: median([...first, ...all]), silence: median(silence) };
}

export async function run() {
  const savedPath = process.env.PATH;
  const savedAlsa = process.env.ALSA_CONFIG_PATH;
  const arecord = writeStandinArecord();
  process.env.PATH = `${arecord.dir}:${savedPath}`;
  process.env.ALSA_CONFIG_PATH = join(dir, 'asound.conf');
  const server = await startFakeServer({ BENCH_TOKEN: TOKEN });
  try {
    const withPreRoll = await pressToFirstFrame(server.port, 300);
    const withoutPreRoll = await pressToFirstFrame(server.port, 0);
    const speaker = await replies(server.port);
    return [
      { name: 'press → first frame sent (pre-roll 300 ms)', value: round(withPreRoll, 2), unit: 'ms' },
      { name: 'press → first frame sent (no pre-roll, recorder per turn)', value: round(withoutPreRoll, 2), unit: 'ms' },
      { name: 'reply chunk received → written to ALSA, first chunk (60 ms jitter buffer)', value: round(speaker.first, 2), unit: 'ms', target: '≤ 60', pass: speaker.first <= 60 },
      { name: 'reply chunk received → written to ALSA, all chunks', value: round(speaker.all, 2), unit: 'ms' },
      { name: 'barge-in press → silence (speaker: PCM closed)', value: round(speaker.silence, 2), unit: 'ms', target: '< 50', pass: speaker.silence < 50 },
      { name: 'turns per figure', value: TURNS, unit: 'turns' },
    ];
  } finally {
    server.child.kill('SIGTERM');
    process.env.PATH = savedPath;
    if (savedAlsa === undefined) delete process.env.ALSA_CONFIG_PATH;
    else process.env.ALSA_CONFIG_PATH = savedAlsa;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run());
