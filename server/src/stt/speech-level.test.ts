import { describe, expect, it } from 'vitest';
import { concatBytes, level } from '@pichat/shared';
import { SpeechLevel, gainFor } from './speech-level.js';

/** `ms` of a 440 Hz tone at `dbfs` (RMS), 16 kHz s16le. */
function tone(ms: number, dbfs: number): Uint8Array {
  const n = (ms * 16000) / 1000;
  const out = new Uint8Array(n * 2);
  const view = new DataView(out.buffer);
  const amplitude = 32768 * Math.SQRT2 * 10 ** (dbfs / 20);
  for (let i = 0; i < n; i++) view.setInt16(i * 2, Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / 16000)), true);
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => concatBytes(...parts);

describe('SpeechLevel', () => {
  it('holds audio until the window is full, then releases all of it at the target level', () => {
    const norm = new SpeechLevel({ targetDbfs: -30, windowMs: 500 });
    const out: Uint8Array[] = [];
    for (let i = 0; i < 15; i++) {
      const released = norm.push(tone(40, -10));
      expect(released.length).toBe((i + 1) * 40 < 500 ? 0 : 1);
      out.push(...released);
    }
    expect(norm.fixedGain).toBeCloseTo(0.1, 1); // -10 dBFS brought to -30: -20 dB
    const all = concat(out);
    expect(all.byteLength).toBe(15 * 40 * 32); // nothing lost, nothing doubled
    expect(level(all).rmsDb).toBeCloseTo(-30, 0);
  });

  it('keeps one gain for the rest of the utterance, even when the speaker gets louder', () => {
    const norm = new SpeechLevel({ targetDbfs: -30, windowMs: 200 });
    norm.push(tone(200, -40));
    const gain = norm.fixedGain;
    expect(gain).toBeCloseTo(10 ** (10 / 20), 1);
    const later = concat(norm.push(tone(100, -35)));
    expect(norm.fixedGain).toBe(gain);
    expect(level(later).rmsDb).toBeCloseTo(-25, 0);
  });

  it('measures exactly the window, however the audio is cut into writes', () => {
    // Quiet first, loud after the window: only the quiet part may set the gain.
    const utterance = concat([tone(500, -40), tone(1000, -10)]);
    const whole = new SpeechLevel({ targetDbfs: -30, windowMs: 500 });
    const wholeOut = concat(whole.push(utterance));
    const framed = new SpeechLevel({ targetDbfs: -30, windowMs: 500 });
    const framedOut: Uint8Array[] = [];
    for (let i = 0; i < utterance.byteLength; i += 1280) framedOut.push(...framed.push(utterance.subarray(i, i + 1280)));
    expect(whole.fixedGain).toBeCloseTo(10 ** (10 / 20), 1); // the quiet -40 dBFS part, not the loud rest
    expect(framed.fixedGain).toBe(whole.fixedGain);
    expect(concat(framedOut)).toEqual(wholeOut);
    const later = tone(40, -40);
    expect(whole.push(later)[0]?.buffer).not.toBe(later.buffer); // a new buffer: the recogniser adds its floor to it
  });

  it('flush() releases a command shorter than the window', () => {
    const norm = new SpeechLevel({ targetDbfs: -30, windowMs: 500 });
    expect(norm.push(tone(300, -20))).toEqual([]);
    const out = concat(norm.flush());
    expect(out.byteLength).toBe(300 * 32);
    expect(level(out).rmsDb).toBeCloseTo(-30, 0);
    expect(norm.flush()).toEqual([]);
  });

  it('the loud frames set the level, not the pauses between words', () => {
    const speechWithPauses = concat([tone(200, -20), new Uint8Array(300 * 32), tone(100, -20)]);
    expect(20 * Math.log10(gainFor(speechWithPauses, -30, 0.9, -30, 20))).toBeCloseTo(-10, 0);
  });

  it('bounds the gain: near-silence is not blown up into loud noise, and clipping saturates', () => {
    expect(20 * Math.log10(gainFor(tone(500, -80), -30, 0.9, -30, 20))).toBeCloseTo(20, 5);
    expect(20 * Math.log10(gainFor(new Uint8Array(16000), -30, 0.9, -30, 20))).toBeCloseTo(20, 5);
    expect(20 * Math.log10(gainFor(tone(500, 0), -60, 0.9, -30, 20))).toBeCloseTo(-30, 5);
    expect(gainFor(new Uint8Array(0), -30, 0.9, -30, 20)).toBe(1);
    const loud = concat(new SpeechLevel({ targetDbfs: 0, windowMs: 100, maxGainDb: 20 }).push(tone(100, -3)));
    expect(level(loud).peak).toBeLessThanOrEqual(1);
  });
});
