/**
 * Cuts a byte stream into frames of exactly `frameBytes` bytes. Recorders hand over whatever their pipe holds
 * (arecord: a period, often 4 KiB or more); the protocol wants 20–40 ms frames so that the server's recogniser and a
 * barge-in react quickly. Keeps at most one partial frame; the bytes it emits are copies it never touches again.
 */
export class Framer {
  private readonly pending: Uint8Array;
  private filled = 0;

  constructor(readonly frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError('frameBytes must be a positive integer');
    this.pending = new Uint8Array(frameBytes);
  }

  /** Bytes held back, waiting for the rest of their frame. */
  get buffered(): number {
    return this.filled;
  }

  push(chunk: Uint8Array, emit: (frame: Uint8Array) => void): void {
    let offset = 0;
    if (this.filled > 0) {
      const take = Math.min(this.frameBytes - this.filled, chunk.byteLength);
      this.pending.set(chunk.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled < this.frameBytes) return;
      emit(this.pending.slice());
      this.filled = 0;
    }
    while (chunk.byteLength - offset >= this.frameBytes) {
      // A copy, and a plain Uint8Array: Buffer#slice would share (and pin) the recorder's chunk.
      emit(new Uint8Array(chunk.subarray(offset, offset + this.frameBytes)));
      offset += this.frameBytes;
    }
    if (offset < chunk.byteLength) {
      this.pending.set(chunk.subarray(offset), 0);
      this.filled = chunk.byteLength - offset;
    }
  }

  /** Forgets a partial frame. */
  reset(): void {
    this.filled = 0;
  }
}
