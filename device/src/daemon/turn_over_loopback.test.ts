import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  bytesForMs,
  decodeDeviceMessage,
  type DeviceMessage,
  encodeMessage,
  memoryLogger,
  SPEECH_FORMAT,
} from '@pichat/shared';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ArecordSource } from '../audio/capture.js';
import { selectSink } from '../audio/select-sink.js';
import { KeyboardButton } from '../button/keyboard.js';
import { WsLink } from '../link/ws-link.js';
import { writeStandinArecord } from '../testing/standin-arecord.js';
import { Daemon } from './daemon.js';
import type { DeviceState } from './state.js';

/**
 * The whole daemon with its real parts on one machine: keyboard button on an injected stream, node-record-lpcm16
 * with a paced stand-in arecord, speaker (probed, in process) on an ALSA file PCM, the ws link to a scripted
 * server on a loopback port. Measures press → first frame at the server and barge-in press → playback.done.
 */

const dir = mkdtempSync(join(tmpdir(), 'pichat-e2e-'));
const outFile = join(dir, 'out.raw');
writeFileSync(
  join(dir, 'asound.conf'),
  `</usr/share/alsa/alsa.conf>\npcm.!default {\n  type file\n  slave.pcm "null"\n  file "${outFile}"\n  format "raw"\n}\n`,
);
process.env.ALSA_CONFIG_PATH = join(dir, 'asound.conf');
const arecord = writeStandinArecord();
const savedPath = process.env.PATH;
process.env.PATH = `${arecord.dir}:${savedPath}`;
afterAll(() => {
  process.env.PATH = savedPath;
});

/** Reply audio: a ramp, so that the bytes at the output can be matched. */
function reply(ms: number): Buffer {
  const b = Buffer.alloc(bytesForMs(SPEECH_FORMAT, ms));
  for (let i = 0; i < b.byteLength / 2; i++) b.writeInt16LE((i * 7) % 20000, i * 2);
  return b;
}

async function scriptedServer(replyMsForTurn: (n: number) => number) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', r));
  const log: { at: number; m: DeviceMessage | { audio: number } }[] = [];
  let turns = 0;
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      if (isBinary) return void log.push({ at, m: { audio: (data as Buffer).byteLength } });
      const d = decodeDeviceMessage(data.toString());
      if (!d.ok) throw new Error(d.message);
      log.push({ at, m: d.message });
      const m = d.message;
      if (m.type === 'hello') {
        ws.send(
          encodeMessage({
            type: 'hello',
            protocol: 1,
            server: { name: 'script', version: '0' },
            device: { id: 'd', name: 'e2e' },
            limits: { maxFrameBytes: 4096, maxTurnMs: 30_000, inputFormats: [SPEECH_FORMAT] },
          }),
        );
      }
      if (m.type === 'turn.end') {
        const audio = reply(replyMsForTurn(++turns));
        ws.send(encodeMessage({ type: 'transcript', turnId: m.turnId, text: 'what time is it', final: true }));
        ws.send(encodeMessage({ type: 'audio.start', turnId: m.turnId, format: SPEECH_FORMAT }));
        for (let o = 0; o < audio.byteLength; o += 1280) ws.send(audio.subarray(o, o + 1280));
        ws.send(encodeMessage({ type: 'audio.end', turnId: m.turnId }));
        ws.send(encodeMessage({ type: 'turn.done', turnId: m.turnId, outcome: 'answered', timings: { stt: 1 } }));
      }
    });
  });
  return { wss, log, port: (wss.address() as AddressInfo).port };
}

const WAIT = { timeout: 8000, interval: 5 };

describe('a push-to-talk turn over loopback with the real parts', () => {
  it('streams the voice, plays the reply, handles a barge-in and reports what was heard', async () => {
    const server = await scriptedServer((n) => (n === 1 ? 3000 : 300));
    const log = memoryLogger();
    const keys = new PassThrough();
    const button = new KeyboardButton(keys);
    const sink = await selectSink({ backend: 'speaker', device: 'default', tailPadMs: 100, log });
    expect(sink.name).toBe('speaker');
    const states: DeviceState[] = [];
    const link = new WsLink({
      url: `ws://127.0.0.1:${server.port}/ws/device`,
      token: 'e2e-token-123',
      hello: () => ({ type: 'hello', protocol: 1, capabilities: { playback: [...sink.formats], features: [] }, volume: 100 }),
      log,
      pingIntervalMs: 1000,
      deadAfterMs: 5000,
      helloTimeoutMs: 2000,
      backoffInitialMs: 50,
      backoffMaxMs: 200,
      maxBufferedBytes: 64 * 1024,
    });
    const daemon = new Daemon({
      source: new ArecordSource({ device: 'default', frameMs: 20, log }),
      sink,
      link,
      log,
      volume: 100,
      maxTurnMs: 30_000,
      replyTimeoutMs: 5000,
      errorHoldMs: 500,
      onState: (s) => states.push(s),
    });
    daemon.start();
    button.start((e) => daemon.button(e));
    link.start();
    try {
      await vi.waitFor(() => expect(daemon.state).toBe('idle'), WAIT);

      // Turn 1: hold for about ten frames, release, get a 3 s reply.
      const pressAt = performance.now();
      keys.write('press\n');
      await vi.waitFor(() => expect(server.log.filter((e) => 'audio' in e.m).length).toBeGreaterThanOrEqual(10), WAIT);
      const firstFrame = server.log.find((e) => 'audio' in e.m)!;
      const pressToFirstFrameMs = firstFrame.at - pressAt;
      keys.write('release\n');
      await vi.waitFor(() => expect(daemon.state).toBe('speaking'), WAIT);

      // Barge-in while the reply plays.
      const bargeAt = performance.now();
      keys.write('press\n');
      await vi.waitFor(() => expect(server.log.some((e) => 'type' in e.m && e.m.type === 'playback.done')).toBe(true), WAIT);
      const done1 = server.log.find((e) => 'type' in e.m && e.m.type === 'playback.done')!;
      const bargeToReportMs = done1.at - bargeAt;
      const kinds = server.log.map((e) => ('type' in e.m ? e.m.type : 'audio'));
      const i = kinds.indexOf('playback.done');
      expect(kinds[i + 1]).toBe('turn.start'); // reported before the new turn starts
      expect(done1.m).toMatchObject({ type: 'playback.done', interrupted: true });
      const heard1 = (done1.m as { heardMs: number }).heardMs;
      expect(heard1).toBeLessThan(3000);

      // Turn 2: a short reply played to the end.
      await vi.waitFor(() => expect(server.log.filter((e) => 'audio' in e.m).length).toBeGreaterThanOrEqual(15), WAIT);
      keys.write('release\n');
      await vi.waitFor(() => expect(server.log.filter((e) => 'type' in e.m && e.m.type === 'playback.done')).toHaveLength(2), WAIT);
      await vi.waitFor(() => expect(daemon.state).toBe('idle'), WAIT);
      const done2 = server.log.filter((e) => 'type' in e.m && e.m.type === 'playback.done')[1]!.m;
      expect(done2).toMatchObject({ interrupted: false, heardMs: 300 });

      // The speaker got the second reply byte for byte (ALSA's file PCM is rewritten at each open), then silence.
      const out = readFileSync(outFile);
      const expected = reply(300);
      expect(out.subarray(0, expected.byteLength).equals(expected)).toBe(true);
      expect(out.subarray(expected.byteLength).every((b) => b === 0)).toBe(true);

      // Frames are 20 ms, and the voice reached the server in order.
      const frames = server.log.filter((e) => 'audio' in e.m).map((e) => (e.m as { audio: number }).audio);
      expect(new Set(frames)).toEqual(new Set([640]));
      expect(states).toEqual(['idle', 'listening', 'thinking', 'speaking', 'listening', 'thinking', 'speaking', 'idle']);

      // The server going away: offline; a press then answers at once.
      for (const ws of server.wss.clients) ws.terminate();
      await vi.waitFor(() => expect(daemon.state).toBe('offline'), WAIT);
      keys.write('press\n');
      await vi.waitFor(() => expect(log.lines.some((l) => l.includes('pressed while offline'))).toBe(true), WAIT);
      await vi.waitFor(() => expect(daemon.state).toBe('idle'), WAIT); // it reconnects by itself

      console.info(
        `measured: press→first frame at server ${pressToFirstFrameMs.toFixed(1)} ms; ` +
          `barge-in press→playback.done at server ${bargeToReportMs.toFixed(1)} ms (heard ${heard1} ms of 3000)`,
      );
    } finally {
      button.close();
      daemon.close();
      await link.close();
      await new Promise<void>((r) => server.wss.close(() => r()));
    }
  });
});
