import { describe, expect, test } from 'vitest';
import type { AudioFormat } from './format.js';
import { LinearResampler } from './resample.js';

function format(sampleRateHz: number, channels = 1): AudioFormat {
  return { encoding: 'pcm_s16le', sampleRateHz, channels };
}

function pcmOf(samples: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}

function samplesOf(pcm: Uint8Array): number[] {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  return Array.from({ length: pcm.byteLength / 2 }, (_, i) => view.getInt16(i * 2, true));
}

/** `frames` frames of a sine at `hz` (left channel) and a different one on the right, interleaved. */
function tone(rateHz: number, frames: number, channels = 1, hz = 440): number[] {
  const out: number[] = [];
  for (let i = 0; i < frames; i++) {
    out.push(Math.round(12000 * Math.sin((2 * Math.PI * hz * i) / rateHz)) + 0); // + 0: no -0
    if (channels === 2) out.push(Math.round(-9000 * Math.sin((2 * Math.PI * hz * 1.5 * i) / rateHz)) + 0);
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Feeds `pcm` in chunks of random whole-frame sizes (deterministic seed). */
function pushChunked(r: LinearResampler, pcm: Uint8Array, seed: number, maxFrames = 700): Uint8Array {
  const frame = 2 * r.input.channels;
  let s = seed;
  const random = (): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out: Uint8Array[] = [];
  for (let at = 0; at < pcm.byteLength; ) {
    const frames = Math.floor(random() * maxFrames); // zero-length chunks included
    const end = Math.min(pcm.byteLength, at + frames * frame);
    out.push(r.push(pcm.subarray(at, end)));
    at = end;
  }
  return concat(out);
}

describe('LinearResampler', () => {
  test.each([
    [16000, 24000],
    [24000, 16000],
    [22050, 16000],
    [16000, 48000],
    [48000, 16000],
    [44100, 16000],
    [16000, 22050],
  ])('%i → %i Hz: one second becomes one second, less at most one input frame held back', (from, to) => {
    const r = new LinearResampler(format(from), to);
    expect(r.output).toEqual(format(to));
    const out = r.push(pcmOf(tone(from, from)));
    // There is no flush: output past the last input frame needs the next one, so up to to/from frames stay behind.
    const missing = to - out.byteLength / 2;
    expect(missing).toBeGreaterThanOrEqual(0);
    expect(missing).toBeLessThanOrEqual(Math.ceil(to / from));
  });

  test('equal rates pass audio through unchanged', () => {
    const pcm = pcmOf(tone(16000, 100));
    expect(new LinearResampler(format(16000), 16000).push(pcm)).toEqual(pcm);
  });

  test('upsampling 16 → 24 kHz interpolates between input samples', () => {
    const out = samplesOf(new LinearResampler(format(16000), 24000).push(pcmOf([0, 300, 600, 900, 1200])));
    // positions 0, 2/3, 4/3, 2, 8/3 of a ramp of 300 per sample
    expect(out).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  test('downsampling 24 → 16 kHz keeps every 1.5th sample of a ramp', () => {
    const out = samplesOf(new LinearResampler(format(24000), 16000).push(pcmOf([0, 100, 200, 300, 400, 500, 600])));
    expect(out).toEqual([0, 150, 300, 450]);
  });

  test('a tone keeps its shape (no clicks, level within 1 dB)', () => {
    const input = tone(22050, 22050);
    const out = samplesOf(new LinearResampler(format(22050), 16000).push(pcmOf(input)));
    const expected = tone(16000, out.length);
    const maxError = Math.max(...out.map((s, i) => Math.abs(s - expected[i]!)));
    expect(maxError).toBeLessThan(12000 * 0.02);
  });

  test.each([
    [16000, 24000],
    [24000, 16000],
    [22050, 16000],
    [44100, 48000],
    [48000, 22050],
  ])('%i → %i Hz: chunked input equals whole input within ±1 sample', (from, to) => {
    const pcm = pcmOf(tone(from, Math.floor(from * 1.3)));
    const whole = samplesOf(new LinearResampler(format(from), to).push(pcm));
    for (const seed of [1, 2, 3, 42]) {
      const chunked = samplesOf(pushChunked(new LinearResampler(format(from), to), pcm, seed));
      expect(Math.abs(chunked.length - whole.length)).toBeLessThanOrEqual(1);
      const n = Math.min(chunked.length, whole.length);
      for (let i = 0; i < n; i++) {
        if (Math.abs(chunked[i]! - whole[i]!) > 1) {
          throw new Error(`seed ${seed}: sample ${i} is ${chunked[i]} chunked, ${whole[i]} whole`);
        }
      }
    }
  });

  test('one frame at a time equals whole input', () => {
    const pcm = pcmOf(tone(16000, 800));
    const whole = samplesOf(new LinearResampler(format(16000), 24000).push(pcm));
    const r = new LinearResampler(format(16000), 24000);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < pcm.byteLength; i += 2) parts.push(r.push(pcm.subarray(i, i + 2)));
    const chunked = samplesOf(concat(parts));
    expect(chunked.length).toBe(whole.length);
    expect(chunked.every((s, i) => Math.abs(s - whole[i]!) <= 1)).toBe(true);
  });

  test('stereo keeps channels apart and interleaved', () => {
    const frames = 4800;
    const input = tone(48000, frames, 2);
    const r = new LinearResampler(format(48000, 2), 16000);
    expect(r.output).toEqual(format(16000, 2));
    const out = samplesOf(r.push(pcmOf(input)));
    expect(out.length % 2).toBe(0);
    expect(Math.abs(out.length / 2 - 1600)).toBeLessThanOrEqual(1);
    // 48 → 16 kHz is exactly every third frame: both channels must match the input there.
    for (let k = 0; k < out.length / 2; k++) {
      expect(out[2 * k]).toBe(input[2 * 3 * k]);
      expect(out[2 * k + 1]).toBe(input[2 * 3 * k + 1]);
    }
  });

  test('stereo chunked equals stereo whole', () => {
    const pcm = pcmOf(tone(22050, 5000, 2));
    const whole = samplesOf(new LinearResampler(format(22050, 2), 16000).push(pcm));
    const chunked = samplesOf(pushChunked(new LinearResampler(format(22050, 2), 16000), pcm, 9));
    expect(Math.abs(chunked.length - whole.length)).toBeLessThanOrEqual(2);
    const n = Math.min(chunked.length, whole.length);
    for (let i = 0; i < n; i++) expect(Math.abs(chunked[i]! - whole[i]!)).toBeLessThanOrEqual(1);
  });

  test('empty chunks produce nothing and change nothing', () => {
    const r = new LinearResampler(format(16000), 24000);
    expect(r.push(new Uint8Array(0)).byteLength).toBe(0);
    const a = r.push(pcmOf([0, 300, 600]));
    expect(r.push(new Uint8Array(0)).byteLength).toBe(0);
    const b = r.push(pcmOf([900, 1200]));
    expect([...samplesOf(a), ...samplesOf(b)]).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  test('full-scale input does not overflow', () => {
    const input = Array.from({ length: 1000 }, (_, i) => (i % 2 ? 32767 : -32768));
    const out = samplesOf(new LinearResampler(format(22050), 48000).push(pcmOf(input)));
    expect(Math.max(...out)).toBeLessThanOrEqual(32767);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(-32768);
  });
});
