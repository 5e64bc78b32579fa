import { describe, expect, test } from 'vitest';
import { applyGain, level } from './level.js';

function pcmOf(samples: number[]): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return out;
}

function samplesOf(pcm: Uint8Array): number[] {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  return Array.from({ length: pcm.byteLength / 2 }, (_, i) => view.getInt16(i * 2, true));
}

function sine(amplitude: number, n = 1600, periodSamples = 32): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * i) / periodSamples)));
}

describe('level', () => {
  test('empty input and a lone byte are silence', () => {
    for (const pcm of [new Uint8Array(0), new Uint8Array([0x7f])]) {
      expect(level(pcm)).toEqual({ rms: 0, peak: 0, rmsDb: -Infinity });
    }
  });

  test('digital silence is -Infinity dBFS', () => {
    expect(level(pcmOf(new Array(160).fill(0)))).toEqual({ rms: 0, peak: 0, rmsDb: -Infinity });
  });

  test('full-scale square wave is 0 dBFS', () => {
    const l = level(pcmOf(Array.from({ length: 100 }, (_, i) => (i % 2 ? -32768 : 32767))));
    expect(l.peak).toBe(1);
    expect(l.rms).toBeCloseTo(1, 4);
    expect(l.rmsDb).toBeCloseTo(0, 3);
  });

  test('a full-scale sine is about -3 dBFS; half scale about -9 dBFS', () => {
    expect(level(pcmOf(sine(32767))).rmsDb).toBeCloseTo(-3.01, 1);
    expect(level(pcmOf(sine(16384))).rmsDb).toBeCloseTo(-9.03, 1);
    expect(level(pcmOf(sine(16384))).peak).toBeCloseTo(0.5, 3);
  });

  test('reads a view at an odd byte offset and ignores a trailing odd byte', () => {
    const base = new Uint8Array(1 + 4 + 1);
    base.set(pcmOf([16384, -16384]), 1);
    const l = level(base.subarray(1, 6));
    expect(l.peak).toBe(0.5);
    expect(l.rms).toBe(0.5);
  });
});

describe('applyGain', () => {
  test('gain 1 returns an equal copy, not the same buffer', () => {
    const pcm = pcmOf([1, -2, 300, -32768, 32767]);
    const out = applyGain(pcm, 1);
    expect(out).not.toBe(pcm);
    expect(samplesOf(out)).toEqual(samplesOf(pcm));
  });

  test('gain 0 is silence, 0.5 halves with rounding', () => {
    expect(samplesOf(applyGain(pcmOf([1000, -1000, 3]), 0)).every((s) => s === 0)).toBe(true);
    expect(samplesOf(applyGain(pcmOf([1000, -1000, 3, -3]), 0.5))).toEqual([500, -500, 2, -1]);
  });

  test('saturates at full scale instead of wrapping', () => {
    expect(samplesOf(applyGain(pcmOf([20000, -20000, 32767, -32768, 100]), 2))).toEqual([
      32767, -32768, 32767, -32768, 200,
    ]);
    expect(samplesOf(applyGain(pcmOf([-32768]), -1))).toEqual([32767]);
    expect(samplesOf(applyGain(pcmOf([1, -1]), 1e9))).toEqual([32767, -32768]);
  });

  test('a gain of +6 dB doubles the level up to saturation', () => {
    const quiet = pcmOf(sine(8000));
    expect(level(applyGain(quiet, 2)).rmsDb - level(quiet).rmsDb).toBeCloseTo(6.02, 1);
  });

  test('drops a trailing odd byte and reads views at an offset', () => {
    const base = new Uint8Array(8);
    base.set(pcmOf([100, -100]), 1);
    const out = applyGain(base.subarray(1, 6), 3);
    expect(out.byteLength).toBe(4);
    expect(samplesOf(out)).toEqual([300, -300]);
  });

  test('does not modify its input', () => {
    const pcm = pcmOf([100, 200]);
    applyGain(pcm, 4);
    expect(samplesOf(pcm)).toEqual([100, 200]);
  });
});
