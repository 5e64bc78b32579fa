import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes.js';

describe('concatBytes', () => {
  it('joins chunks in order', () => {
    expect([...concatBytes(Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3))]).toEqual([1, 2, 3]);
    expect(concatBytes().byteLength).toBe(0);
  });
  it('returns a lone non-empty chunk without copying it', () => {
    const b = Uint8Array.of(7, 8);
    expect(concatBytes(new Uint8Array(0), b)).toBe(b);
  });
});
