import { describe, expect, it } from 'vitest';
import { level } from '@pichat/shared';
import { NoiseFloor } from './noise-floor.js';

describe('NoiseFloor', () => {
  it('turns digital silence into noise at the requested level', () => {
    const out = new NoiseFloor(-70).apply(new Uint8Array(32000));
    expect(out.byteLength).toBe(32000);
    expect(level(out).rmsDb).toBeGreaterThan(-71);
    expect(level(out).rmsDb).toBeLessThan(-69);
  });

  it('is repeatable: the same audio gets the same noise on every turn', () => {
    const silence = new Uint8Array(4000);
    expect(new NoiseFloor(-70).apply(silence)).toEqual(new NoiseFloor(-70).apply(silence));
    const floor = new NoiseFloor(-70);
    expect(floor.apply(silence)).not.toEqual(floor.apply(silence)); // but it is noise, not a repeated pattern
  });

  it('leaves speech-level audio almost unchanged, saturates instead of wrapping, and does not modify its input', () => {
    const pcm = new Uint8Array(8);
    const view = new DataView(pcm.buffer);
    [1000, -1000, 32767, -32768].forEach((v, i) => view.setInt16(i * 2, v, true));
    const before = pcm.slice();
    const out = new DataView(new NoiseFloor(-70).apply(pcm).buffer);
    expect(Math.abs(out.getInt16(0, true) - 1000)).toBeLessThanOrEqual(19);
    expect(Math.abs(out.getInt16(2, true) + 1000)).toBeLessThanOrEqual(19);
    expect(out.getInt16(4, true)).toBeGreaterThan(32700);
    expect(out.getInt16(6, true)).toBeLessThan(-32700);
    expect(pcm).toEqual(before);
  });

  it('drops a trailing odd byte and rejects a level above full scale', () => {
    expect(new NoiseFloor(-70).apply(new Uint8Array(5)).byteLength).toBe(4);
    expect(() => new NoiseFloor(3)).toThrow(RangeError);
    expect(() => new NoiseFloor(Number.NaN)).toThrow(RangeError);
  });
});
