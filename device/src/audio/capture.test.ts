import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Capture } from '../daemon/ports.js';
import { memoryLogger } from '@pichat/shared';
import { writeStandinArecord } from '../testing/standin-arecord.js';
import { ArecordSource } from './capture.js';

/**
 * Real capture code paths: node-record-lpcm16 spawning `arecord`, first a stand-in on PATH that paces its output like
 * a microphone (and can fail like arecord does), then the real arecord reading an ALSA `type file` PCM.
 */

const { dir, argsFile } = writeStandinArecord();

const savedPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = savedPath;
  delete process.env.STANDIN_ARECORD_MODE;
  delete process.env.ALSA_CONFIG_PATH;
});

const WAIT = { timeout: 5000, interval: 10 };

function run(source: ArecordSource) {
  const frames: Uint8Array[] = [];
  const failures: Error[] = [];
  const capture: Capture = source.start({ frame: (f) => frames.push(f), failed: (e) => failures.push(e) });
  return { frames, failures, capture };
}

describe('ArecordSource with a stand-in arecord', () => {
  beforeAll(() => {
    process.env.PATH = `${dir}:${savedPath}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });

  it('runs arecord raw 16 kHz mono s16le on the named device and delivers exact 20 ms frames in order', async () => {
    delete process.env.STANDIN_ARECORD_MODE;
    const c = run(new ArecordSource({ device: 'plughw:CARD=Device,DEV=0', frameMs: 20, log: memoryLogger() }));
    await vi.waitFor(() => expect(c.frames.length).toBeGreaterThanOrEqual(10), WAIT);
    c.capture.stop();
    const count = c.frames.length;
    await c.capture.closed;
    expect(c.failures).toEqual([]); // the library's string error after stop is contained
    expect(c.frames.length).toBe(count); // nothing after stop

    expect(readFileSync(argsFile, 'utf8')).toBe('-D plughw:CARD=Device,DEV=0 -q -r 16000 -c 1 -t raw -f S16_LE -');
    expect(new Set(c.frames.map((f) => f.byteLength))).toEqual(new Set([640]));
    const samples = c.frames.flatMap((f) => Array.from(new Int16Array(f.buffer, f.byteOffset, f.byteLength / 2)));
    expect(samples.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(samples.findIndex((s, i) => s !== i % 30000)).toBe(-1);
  });

  it('an arecord that exits 1 at start (device busy) becomes one failure with its message', async () => {
    process.env.STANDIN_ARECORD_MODE = 'busy';
    const c = run(new ArecordSource({ device: 'default', frameMs: 20, log: memoryLogger() }));
    await vi.waitFor(() => expect(c.failures).toHaveLength(1), WAIT);
    expect(c.failures[0]!.message).toBe(
      'arecord stopped by itself (code 1): arecord: main:850: audio open error: Device or resource busy',
    );
    c.capture.stop();
    await c.capture.closed;
    delete process.env.STANDIN_ARECORD_MODE;
  });
});

describe('ArecordSource without arecord', () => {
  it('reports a missing binary (ENOENT) as a failure, never as a crash', async () => {
    process.env.PATH = join(dir, 'empty');
    try {
      const c = run(new ArecordSource({ device: 'default', frameMs: 20, log: memoryLogger() }));
      await vi.waitFor(() => expect(c.failures).toHaveLength(1), WAIT);
      expect(c.failures[0]!.message).toBe('arecord not found: install alsa-utils');
      await c.capture.closed;
      c.capture.stop();
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

const haveArecord = spawnSync('arecord', ['--version']).status === 0;

describe.skipIf(!haveArecord)('ArecordSource with the real arecord on an ALSA file PCM', () => {
  it('captures the bytes of the PCM input file', async () => {
    const input = Buffer.alloc(32_000);
    for (let i = 0; i < 16_000; i++) input.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16_000)), i * 2);
    writeFileSync(join(dir, 'in.raw'), input);
    const conf = join(dir, 'asound.conf');
    writeFileSync(
      conf,
      `</usr/share/alsa/alsa.conf>
pcm.pichat_mic {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "${join(dir, 'in.raw')}"
  format "raw"
}
`,
    );
    process.env.ALSA_CONFIG_PATH = conf;
    const c = run(new ArecordSource({ device: 'pichat_mic', frameMs: 40, log: memoryLogger() }));
    // A null slave has no clock: the file arrives as fast as arecord can read it (then zeros).
    await vi.waitFor(() => expect(c.frames.length).toBeGreaterThanOrEqual(25), WAIT);
    c.capture.stop();
    await c.capture.closed;
    expect(c.failures).toEqual([]);
    expect(c.frames[0]!.byteLength).toBe(1280);
    expect(Buffer.concat(c.frames.slice(0, 25))).toEqual(input);
  });
});
