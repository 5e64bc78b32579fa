#!/usr/bin/env node
// Plays a WAV file as a push-to-talk turn against a PiChat server, the way a device does, and prints what came
// back: transcript, reply, stage timings. Saves the spoken reply as a WAV.
//
//   npm run try-wav -- command.wav [--fast] [--out reply.wav] [--url ws://host:8080/ws/device] [--token T]
//
// The token defaults to $PICHAT_DEVICE_TOKEN (also read from ./.env). Needs `npm run build` first.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION, SPEECH_FORMAT, LinearResampler, decodeWav, decodeServerMessage, encodeMessage, encodeWav, durationMs } from '../shared/dist/index.js';
import WebSocket from 'ws';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.PICHAT_SERVER_URL ?? 'ws://127.0.0.1:8080/ws/device' },
    token: { type: 'string' },
    out: { type: 'string', default: 'reply.wav' },
    fast: { type: 'boolean', default: false },
    'frame-ms': { type: 'string', default: '20' },
    'timeout-ms': { type: 'string', default: '30000' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || positionals.length !== 1) {
  console.log('usage: npm run try-wav -- <file.wav> [--fast] [--out reply.wav] [--url ws://host:8080/ws/device] [--token T] [--json]');
  process.exit(values.help ? 0 : 2);
}

try {
  process.loadEnvFile?.('.env');
} catch {
  // no .env: fine
}
const token = values.token ?? process.env.PICHAT_DEVICE_TOKEN;
if (!token) fail('no device token: pass --token or set PICHAT_DEVICE_TOKEN (the server prints one on its first start)');

let wav;
try {
  wav = decodeWav(new Uint8Array(readFileSync(positionals[0])));
} catch (err) {
  fail(`cannot read ${positionals[0]}: ${err.message}`);
}
const pcm = toSpeechFormat(wav);
const frameMs = Number(values['frame-ms']);
const frameBytes = (SPEECH_FORMAT.sampleRateHz / 1000) * frameMs * 2;
const playback = [16000, 22050, 24000, 44100, 48000].map((sampleRateHz) => ({ encoding: 'pcm_s16le', sampleRateHz, channels: 1 }));

const ws = new WebSocket(values.url, { headers: { Authorization: `Bearer ${token}` } });
const turnId = `wav-${Date.now().toString(36)}`;
const result = { transcript: undefined, reply: '', errors: [], audio: [], format: undefined, timings: undefined, outcome: undefined };
let releasedAt;
let firstAudioAt;
const timer = setTimeout(() => fail(`no turn.done within ${values['timeout-ms']} ms`), Number(values['timeout-ms']));

ws.on('unexpected-response', (_req, res) => fail(`server refused the connection: HTTP ${res.statusCode}${res.statusCode === 401 ? ' (wrong token?)' : ''}`));
ws.on('error', (err) => fail(`cannot connect to ${values.url}: ${err.message}`));
ws.on('open', () => {
  ws.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, device: { name: 'try-wav' }, capabilities: { playback, features: [] } }));
});
ws.on('message', async (data, isBinary) => {
  if (isBinary) {
    firstAudioAt ??= performance.now();
    result.audio.push(Buffer.from(data));
    return;
  }
  const decoded = decodeServerMessage(data.toString());
  if (!decoded.ok) return fail(`server sent an invalid message: ${decoded.message}`);
  const m = decoded.message;
  switch (m.type) {
    case 'hello':
      await sendTurn();
      break;
    case 'transcript':
      if (m.final) result.transcript = m.text;
      break;
    case 'reply.delta':
      result.reply += m.text;
      break;
    case 'audio.start':
      result.format = m.format;
      break;
    case 'error':
      result.errors.push(`${m.code}: ${m.message}`);
      break;
    case 'turn.done':
      if (m.turnId !== turnId) break;
      result.timings = m.timings;
      result.outcome = m.outcome;
      result.handler = m.handler;
      finish();
      break;
    default:
      break;
  }
});

async function sendTurn() {
  ws.send(encodeMessage({ type: 'turn.start', turnId, format: SPEECH_FORMAT }));
  const start = performance.now();
  for (let offset = 0, i = 0; offset < pcm.byteLength; offset += frameBytes, i++) {
    if (!values.fast) {
      const wait = start + i * frameMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    ws.send(pcm.subarray(offset, offset + frameBytes), { binary: true });
  }
  ws.send(encodeMessage({ type: 'turn.end', turnId }));
  releasedAt = performance.now();
}

function finish() {
  clearTimeout(timer);
  const audio = Buffer.concat(result.audio);
  if (audio.byteLength > 0 && result.format) writeFileSync(values.out, encodeWav(result.format, audio));
  const replyMs = result.format ? durationMs(result.format, audio.byteLength) : 0;
  const summary = {
    transcript: result.transcript ?? '',
    reply: result.reply,
    handler: result.handler ?? null,
    outcome: result.outcome,
    errors: result.errors,
    releaseToFirstAudioMs: firstAudioAt && releasedAt ? round(firstAudioAt - releasedAt) : null,
    replyAudioMs: round(replyMs),
    replyFile: audio.byteLength > 0 ? values.out : null,
    timings: result.timings,
  };
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`transcript: ${summary.transcript || '(nothing recognised)'}`);
    console.log(`reply:      ${summary.reply || '(no words)'}  [${summary.outcome}${summary.handler ? `, ${summary.handler}` : ''}]`);
    for (const e of summary.errors) console.log(`error:      ${e}`);
    console.log(`release → first reply audio: ${summary.releaseToFirstAudioMs ?? '-'} ms (measured here)`);
    console.log(`reply audio: ${summary.replyAudioMs} ms${summary.replyFile ? ` saved to ${summary.replyFile}` : ''}`);
    console.log('server stage timings (ms since turn.start):');
    for (const [k, v] of Object.entries(result.timings ?? {}).sort((a, b) => a[1] - b[1])) console.log(`  ${k.padEnd(16)} ${v.toFixed(1)}`);
  }
  ws.close();
  process.exitCode = result.outcome === 'failed' ? 1 : 0;
}

/** Downmixes to mono and resamples to 16 kHz, the format the server recognises. */
function toSpeechFormat({ format, pcm }) {
  let mono = pcm;
  if (format.channels === 2) {
    const src = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    mono = new Uint8Array(pcm.byteLength / 2);
    const dst = new DataView(mono.buffer);
    for (let i = 0; i < mono.byteLength / 2; i++) dst.setInt16(i * 2, (src.getInt16(i * 4, true) + src.getInt16(i * 4 + 2, true)) >> 1, true);
  }
  if (format.sampleRateHz === SPEECH_FORMAT.sampleRateHz) return mono;
  return new LinearResampler({ ...format, channels: 1 }, SPEECH_FORMAT.sampleRateHz).push(mono);
}

function round(x) {
  return Math.round(x * 10) / 10;
}

function fail(message) {
  console.error(`try-wav: ${message}`);
  process.exit(1);
}
