import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesForMs, memoryLogger, SPEECH_FORMAT } from '@pichat/shared';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { AudioSink, Playback, PlaybackResult } from '../daemon/ports.js';
import { AplaySink } from './aplay-sink.js';
import { FallbackSink } from './fallback-sink.js';
import { selectSink } from './select-sink.js';
import { probeSpeaker } from './speaker-probe.js';
import { loadSpeaker, SpeakerSink, type SpeakerFactory } from './speaker-sink.js';

/**
 * Real playback code paths without a sound card: ALSA's `default` is a `type file` PCM (slave null) that writes
 * everything played to a file, so the bytes that reached ALSA can be checked. `speaker` must find a default PCM
 * when it loads (or it aborts the process), so ALSA_CONFIG_PATH is set before anything loads it.
 */

const dir = mkdtempSync(join(tmpdir(), 'pichat-playback-'));
const outFile = join(dir, 'out.raw');
const goodConf = join(dir, 'asound.conf');
const emptyConf = join(dir, 'no-default.conf');
writeFileSync(
  goodConf,
  `</usr/share/alsa/alsa.conf>
pcm.!default {
  type file
  slave.pcm "null"
  file "${outFile}"
  format "raw"
}
`,
);
writeFileSync(emptyConf, '</usr/share/alsa/alsa.conf>\n');
process.env.ALSA_CONFIG_PATH = goodConf;

const haveAplay = spawnSync('aplay', ['--version']).status === 0;
const PAD_MS = 150;
const PAD_BYTES = bytesForMs(SPEECH_FORMAT, PAD_MS);

/** `ms` of a 440 Hz tone, 16 kHz mono s16le, in 40 ms chunks. */
function tone(ms: number): Uint8Array[] {
  const all = Buffer.alloc(bytesForMs(SPEECH_FORMAT, ms));
  for (let i = 0; i < all.byteLength / 2; i++) all.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), i * 2);
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < all.byteLength; o += 1280) chunks.push(new Uint8Array(all.subarray(o, o + 1280)));
  return chunks;
}

function play(p: Playback, chunks: Uint8Array[]): void {
  for (const c of chunks) p.write(c);
}

/** Checks the PCM file: the content first, then only silence, at least the padding long. */
function expectPlayed(content: Uint8Array[], minPadBytes: number): Buffer {
  const out = readFileSync(outFile);
  const expected = Buffer.concat(content);
  expect(out.subarray(0, expected.byteLength).equals(expected)).toBe(true);
  const tail = out.subarray(expected.byteLength);
  expect(tail.byteLength).toBeGreaterThanOrEqual(minPadBytes);
  expect(tail.every((b) => b === 0)).toBe(true);
  return out;
}

/** A clock the test moves, so that "how much was heard" is exact. */
function manualClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('SpeakerSink through ALSA (file PCM)', () => {
  let create: SpeakerFactory;
  beforeAll(() => {
    create = loadSpeaker();
  });

  it('plays every byte, then a silent tail, and resolves once the playhead has passed the end', async () => {
    const sink = new SpeakerSink({ tailPadMs: PAD_MS, formats: [SPEECH_FORMAT], create });
    const chunks = tone(400);
    const startedAt = performance.now();
    const p = sink.open(SPEECH_FORMAT);
    play(p, chunks);
    const result = await p.finish();
    const elapsedMs = performance.now() - startedAt;
    expect(result).toEqual({ heardMs: 400, interrupted: false });
    // The null device takes data at once; the sink still waits as long as a real speaker would play it.
    expect(elapsedMs).toBeGreaterThanOrEqual(400);
    expect(elapsedMs).toBeLessThan(400 + PAD_MS + 400);
    const out = expectPlayed(chunks, PAD_BYTES);
    expect(out.byteLength).toBe(bytesForMs(SPEECH_FORMAT, 400) + PAD_BYTES);
  });

  it('stop() reports what was heard and closes the device within 50 ms', async () => {
    const clock = manualClock();
    let closedAt = 0;
    let writtenBytes = 0;
    const timed: SpeakerFactory = (o) => {
      const s = create(o);
      const close = s.close.bind(s);
      const write = s.write.bind(s);
      s.close = (flush: boolean) => {
        closedAt = performance.now();
        return close(flush);
      };
      s.write = (chunk, done) => write(chunk, (e) => ((writtenBytes += chunk.byteLength), done(e)));
      return s;
    };
    const sink = new SpeakerSink({ tailPadMs: PAD_MS, formats: [SPEECH_FORMAT], create: timed, now: clock.now });
    const p = sink.open(SPEECH_FORMAT);
    const finished = p.finish.bind(p);
    play(p, tone(2000));
    // The null device takes everything at once: wait until all of it has been handed over, then let 730 ms pass.
    await vi.waitFor(() => expect(writtenBytes).toBe(bytesForMs(SPEECH_FORMAT, 2000)), { timeout: 5000, interval: 5 });
    clock.advance(730);
    const stopAt = performance.now();
    const result = p.stop();
    expect(result).toEqual({ heardMs: 730, interrupted: true });
    await expect(finished()).resolves.toEqual(result);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => closedAt && (clearInterval(poll), resolve()), 2);
    });
    expect(closedAt - stopAt).toBeLessThan(50);
    expect(p.stop()).toEqual(result); // idempotent
  });

  it('reports a device that cannot be opened as an error result, not a crash', async () => {
    const sink = new SpeakerSink({ tailPadMs: PAD_MS, formats: [SPEECH_FORMAT], create, device: 'no_such_pcm' });
    const p = sink.open(SPEECH_FORMAT);
    play(p, tone(80));
    const r: PlaybackResult = await p.finish();
    expect(r.error).toBeInstanceOf(Error);
    expect(r.interrupted).toBe(false);
  });
});

describe.skipIf(!haveAplay)('AplaySink through ALSA (file PCM)', () => {
  it('pipes every byte to aplay, then a silent tail; resolves when aplay has drained', async () => {
    const sink = new AplaySink({ tailPadMs: PAD_MS, formats: [SPEECH_FORMAT] });
    const chunks = tone(400);
    const p = sink.open(SPEECH_FORMAT);
    play(p, chunks);
    expect(await p.finish()).toEqual({ heardMs: 400, interrupted: false });
    expectPlayed(chunks, PAD_BYTES);
  });

  it('stop() kills aplay at once and reports what was heard', async () => {
    const clock = manualClock();
    const sink = new AplaySink({ tailPadMs: PAD_MS, formats: [SPEECH_FORMAT], now: clock.now });
    const p = sink.open(SPEECH_FORMAT);
    play(p, tone(1000));
    clock.advance(250);
    const result = p.stop();
    expect(result).toEqual({ heardMs: 250, interrupted: true });
    await expect(p.finish()).resolves.toEqual(result);
  });

  it('a missing PCM makes aplay fail with its own message', async () => {
    const sink = new AplaySink({ tailPadMs: PAD_MS, formats: [SPEECH_FORMAT], device: 'no_such_pcm' });
    const p = sink.open(SPEECH_FORMAT);
    play(p, tone(80));
    const r = await p.finish();
    expect(r.error?.message).toMatch(/^aplay exited \(code 1\): .*audio open error/);
  });
});

describe('choosing the output', () => {
  it('the probe says yes where ALSA has a default PCM, and catches the abort where it has none', async () => {
    expect(await probeSpeaker(undefined)).toEqual({ ok: true });
    process.env.ALSA_CONFIG_PATH = emptyConf;
    try {
      const r = await probeSpeaker(undefined);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toMatch(/^loading speaker aborted: ALSA has no usable default PCM/);
    } finally {
      process.env.ALSA_CONFIG_PATH = goodConf;
    }
  });

  it('falls back to aplay when the probe fails, and uses speaker when it passes', async () => {
    const log = memoryLogger();
    const no = await selectSink({ backend: 'speaker', device: 'default', tailPadMs: 0, log, probe: async () => ({ ok: false, reason: 'x' }) });
    expect(no.name).toBe('aplay');
    expect(log.lines[0]).toMatch(/speaker output unavailable, using aplay/);
    const yes = await selectSink({ backend: 'speaker', device: 'default', tailPadMs: 0, log, probe: async () => ({ ok: true }) });
    expect(yes.name).toBe('speaker');
    expect((await selectSink({ backend: 'aplay', device: 'default', tailPadMs: 0, log })).name).toBe('aplay');
  });

  it('after a failed playback on the primary, later replies use the fallback', async () => {
    const failing: AudioSink = {
      name: 'broken',
      formats: [SPEECH_FORMAT],
      open: () => ({
        write: () => undefined,
        finish: async () => ({ heardMs: 0, interrupted: false, error: new Error('EIO') }),
        stop: () => ({ heardMs: 0, interrupted: true }),
      }),
    };
    const opened: string[] = [];
    const spare: AudioSink = {
      name: 'spare',
      formats: [SPEECH_FORMAT],
      open: () => {
        opened.push('spare');
        return failing.open(SPEECH_FORMAT);
      },
    };
    const sink = new FallbackSink(failing, spare, memoryLogger());
    await sink.open(SPEECH_FORMAT).finish();
    expect(sink.name).toBe('spare');
    sink.open(SPEECH_FORMAT);
    expect(opened).toEqual(['spare']);
  });
});
