import { concatBytes } from '@pichat/shared';

/**
 * Removes the WAV header from the front of a byte stream that arecord writes when it is not asked for raw output
 * (the published `mic` package never passes `-t raw`; FIELD-NOTES). The header of a stream has a placeholder
 * size, so it is parsed chunk by chunk up to `data`, not assumed to be 44 bytes. A stream that does not start with
 * `RIFF` passes through untouched. Holds at most the header's bytes while waiting for the rest of it.
 */
export class WavStreamHeader {
  private state: 'head' | 'body' = 'head';
  private held: Uint8Array = new Uint8Array(0);

  /** Returns the audio bytes in `chunk` (an empty array while the header is still incomplete). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.state === 'body') return chunk;
    const all = concatBytes(this.held, chunk);
    const end = dataStart(all);
    if (end === 'more') {
      if (all.byteLength > 4096) return this.pass(all); // not a header we understand: audio it is
      this.held = all;
      return new Uint8Array(0);
    }
    return this.pass(all.subarray(end));
  }

  private pass(bytes: Uint8Array): Uint8Array {
    this.state = 'body';
    this.held = new Uint8Array(0);
    return bytes;
  }
}

const ascii = (b: Uint8Array, at: number): string => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

/** Offset of the first audio byte, 0 when this is not a WAV stream, or 'more' when the header is incomplete. */
function dataStart(b: Uint8Array): number | 'more' {
  const riff = [0x52, 0x49, 0x46, 0x46];
  if (riff.some((c, i) => i < b.byteLength && b[i] !== c)) return 0;
  if (b.byteLength < 12) return 'more';
  if (ascii(b, 8) !== 'WAVE') return 0;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 12;
  while (at + 8 <= b.byteLength) {
    const id = ascii(b, at);
    if (id === 'data') return at + 8;
    at += 8 + view.getUint32(at + 4, true) + (view.getUint32(at + 4, true) % 2);
  }
  return 'more';
}

