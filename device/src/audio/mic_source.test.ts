import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { level, memoryLogger } from '@pichat/shared';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Capture } from '../daemon/ports.js';
import { FakeSource } from '../testing/fakes.js';
import { frame } from '../testing/daemon-harness.js';
import { writeStandinArecord } from '../testing/standin-arecord.js';
import { dbToGain, withMicGain } from './mic-gain.js';
import { MicSource } from './mic-source.js';

/**
 * The `mic` backend on its real code path: the published `mic` package spawning a stand-in arecord (which writes a
 * WAV header, as arecord does when not asked for raw), then the real arecord on an ALSA file PCM.
 */

const { dir, argsFile } = writeStandinArecord();
const savedPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = savedPath;
  delete process.env.STANDIN_ARECORD_MODE;
  delete process.env.ALSA_CONFIG_PATH;
});
const WAIT = { timeout: 5000, interval: 10 };

function run(source: MicSource) {
  const frames: Uint8Array[] = [];
  const failures: Error[] = [];
  const capture: Capture = source.start({ frame: (f) => frames.push(f), failed: (e) => failures.push(e) });
  return { frames, failures, capture };
}

describe('MicSource (mic package) with a stand-in arecord', () => {
  it('passes the named device, strips the WAV header, delivers exact frames in order; stop leaves no recorder', async () => {
    process.env.PATH = `${dir}:${savedPath}`;
    const c = run(new MicSource({ device: 'plughw:CARD=Device,DEV=0', frameMs: 20, log: memoryLogger() }));
    await vi.waitFor(() => expect(c.frames.length).toBeGreaterThanOrEqual(10), WAIT);
    const pid = Number(readFileSync(`${argsFile}.pid`, 'utf8'));
    c.capture.stop();
    await c.capture.closed;
    expect(c.failures).toEqual([]);
    expect(readFileSync(argsFile, 'utf8')).toBe('-c 1 -r 16000 -f S16_LE -D plughw:CARD=Device,DEV=0');
    const samples = c.frames.flatMap((f) => Array.from(new Int16Array(f.buffer, f.byteOffset, f.byteLength / 2)));
    expect(samples.slice(0, 3)).toEqual([0, 1, 2]); // no header bytes in the audio
    expect(samples.findIndex((s, i) => s !== i % 30000)).toBe(-1);
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(), WAIT);
  });

  it('an arecord that exits 1 (busy) becomes one failure, though mic hides the reason', async () => {
    process.env.PATH = `${dir}:${savedPath}`;
    process.env.STANDIN_ARECORD_MODE = 'busy';
    try {
      const c = run(new MicSource({ device: 'default', frameMs: 20, log: memoryLogger() }));
      await vi.waitFor(() => expect(c.failures).toHaveLength(1), WAIT);
      expect(c.failures[0]!.message).toMatch(/stopped by itself on default/);
    } finally {
      delete process.env.STANDIN_ARECORD_MODE;
    }
  });

  it('a missing arecord is a failure, not the uncaught spawn error mic would raise', async () => {
    process.env.PATH = join(dir, 'empty');
    try {
      const c = run(new MicSource({ device: 'default', frameMs: 20, log: memoryLogger() }));
      await vi.waitFor(() => expect(c.failures).toHaveLength(1), WAIT);
      expect(c.failures[0]!.message).toBe('arecord not found: install alsa-utils');
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

const haveArecord = spawnSync('arecord', ['--version']).status === 0;

describe.skipIf(!haveArecord)('MicSource with the real arecord on an ALSA file PCM', () => {
  it('captures the bytes of the PCM input file, header stripped', async () => {
    process.env.PATH = savedPath;
    const input = Buffer.alloc(16_000);
    for (let i = 0; i < 8000; i++) input.writeInt16LE((i * 37) % 9000, i * 2);
    writeFileSync(join(dir, 'in.raw'), input);
    const conf = join(dir, 'asound.conf');
    writeFileSync(conf, `</usr/share/alsa/alsa.conf>\npcm.pichat_mic {\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n  infile "${join(dir, 'in.raw')}"\n  format "raw"\n}\n`);
    process.env.ALSA_CONFIG_PATH = conf;
    const c = run(new MicSource({ device: 'pichat_mic', frameMs: 20, log: memoryLogger() }));
    await vi.waitFor(() => expect(c.frames.length).toBeGreaterThanOrEqual(25), WAIT);
    c.capture.stop();
    await c.capture.closed;
    expect(c.failures).toEqual([]);
    expect(Buffer.concat(c.frames.slice(0, 25))).toEqual(input);
  });
});

describe('mic gain', () => {
  it('multiplies every frame by the gain in dB, saturating; 0 dB is the source itself', () => {
    const inner = new FakeSource();
    expect(withMicGain(inner, 0)).toBe(inner);
    const out: Uint8Array[] = [];
    const boosted = withMicGain(inner, 6);
    boosted.start({ frame: (f) => out.push(f), failed: () => undefined });
    inner.emit(frame(1000));
    inner.emit(frame(30000));
    expect(level(out[0]!).peak * 32768).toBeCloseTo(1000 * dbToGain(6), 0);
    expect(level(out[1]!).peak * 32768).toBeCloseTo(32767, 0);
    expect(boosted.frameMs).toBe(20);
    boosted.forget?.(); // reaches the pre-roll underneath
    expect(inner.forgets).toBe(1);
  });
});
