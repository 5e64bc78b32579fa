import { describe, expect, it } from 'vitest';
import { level } from '@pichat/shared';
import { NoiseFloor } from './noise-floor.js';

describe('NoiseFloor', () => {
  it('turns digital silence into noise at the requested level', () => {
    const out = new Uint8Array(32000);
    new NoiseFloor(-70).addTo(out);
    expect(level(out).rmsDb).toBeGreaterThan(-71);
    expect(level(out).rmsDb).toBeLessThan(-69);
  });

  it('is repeatable: the same audio gets the same noise on every turn', () => {
    const noise = (floor: NoiseFloor): Uint8Array => {
      const pcm = new Uint8Array(4000);
      floor.addTo(pcm);
      return pcm;
    };
    expect(noise(new NoiseFloor(-70))).toEqual(noise(new NoiseFloor(-70)));
    const floor = new NoiseFloor(-70);
    expect(noise(floor)).not.toEqual(noise(floor)); // but it is noise, not a repeated pattern
  });

  it('leaves speech-level audio almost unchanged and saturates instead of wrapping', () => {
    const pcm = new Uint8Array(8);
    const view = new DataView(pcm.buffer);
    [1000, -1000, 32767, -32768].forEach((v, i) => view.setInt16(i * 2, v, true));
    new NoiseFloor(-70).addTo(pcm);
    const out = new DataView(pcm.buffer);
    expect(Math.abs(out.getInt16(0, true) - 1000)).toBeLessThanOrEqual(19);
    expect(Math.abs(out.getInt16(2, true) + 1000)).toBeLessThanOrEqual(19);
    expect(out.getInt16(4, true)).toBeGreaterThan(32700);
    expect(out.getInt16(6, true)).toBeLessThan(-32700);
  });

  it('leaves a trailing odd byte alone and rejects a level above full scale', () => {
    const odd = new Uint8Array(5);
    new NoiseFloor(-70).addTo(odd);
    expect(odd[4]).toBe(0);
    expect(odd.subarray(0, 4).some((b) => b !== 0)).toBe(true);
    expect(() => new NoiseFloor(3)).toThrow(RangeError);
    expect(() => new NoiseFloor(Number.NaN)).toThrow(RangeError);
  });
});
