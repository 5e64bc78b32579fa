import { describe, expect, it } from 'vitest';
import { Framer } from './framer.js';

function bytes(from: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (from + i) % 256);
}

describe('Framer', () => {
  it('cuts arbitrary chunks into exact frames, in order, keeping the remainder', () => {
    const f = new Framer(4);
    const out: number[][] = [];
    const emit = (b: Uint8Array) => out.push([...b]);
    f.push(bytes(0, 3), emit);
    expect(out).toEqual([]);
    f.push(bytes(3, 10), emit);
    expect(out).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(f.buffered).toBe(1);
    f.push(bytes(13, 3), emit);
    expect(out.at(-1)).toEqual([12, 13, 14, 15]);
    expect(f.buffered).toBe(0);
  });

  it('emits copies that later pushes do not change', () => {
    const f = new Framer(2);
    const out: Uint8Array[] = [];
    const chunk = bytes(0, 2);
    f.push(chunk, (b) => out.push(b));
    chunk[0] = 99;
    f.push(bytes(1, 1), (b) => out.push(b));
    f.push(bytes(7, 1), (b) => out.push(b));
    expect(out.map((b) => [...b])).toEqual([
      [0, 1],
      [1, 7],
    ]);
  });

  it('reset drops the partial frame', () => {
    const f = new Framer(4);
    f.push(bytes(0, 2), () => undefined);
    f.reset();
    const out: number[][] = [];
    f.push(bytes(10, 4), (b) => out.push([...b]));
    expect(out).toEqual([[10, 11, 12, 13]]);
  });
});

describe('Framer with Node Buffers', () => {
  it('emits standalone copies, not views into the chunk', () => {
    const f = new Framer(2);
    const out: Uint8Array[] = [];
    f.push(Buffer.from([1, 2, 3, 4]), (b) => out.push(b));
    expect(out.map((b) => [b.byteOffset, b.buffer.byteLength, Buffer.isBuffer(b)])).toEqual([
      [0, 2, false],
      [0, 2, false],
    ]);
  });
});
