import type { AudioFormat } from './format.js';

/**
 * Streaming linear-interpolation resampler for mono or stereo 16-bit PCM. Good enough for speech between the
 * rates PiChat meets (16, 22.05, 24, 44.1, 48 kHz); it keeps state across chunks so that chunk boundaries do not
 * click. Not a band-limited resampler: downsampling by large factors aliases.
 */
export class LinearResampler {
  readonly output: AudioFormat;
  private readonly step: number;
  private position = 0; // fractional read position, relative to `previous`
  private previous: Int16Array | undefined; // last input frame (all channels), for interpolation across chunks

  constructor(
    readonly input: AudioFormat,
    outputRateHz: number,
  ) {
    this.output = { ...input, sampleRateHz: outputRateHz };
    this.step = input.sampleRateHz / outputRateHz;
  }

  /** Resamples one chunk; the chunk must hold whole sample frames. */
  push(chunk: Uint8Array): Uint8Array {
    const ch = this.input.channels;
    if (this.step === 1) return chunk;
    const inFrames = Math.floor(chunk.byteLength / (2 * ch));
    const view = new DataView(chunk.buffer, chunk.byteOffset, inFrames * 2 * ch);
    // Frame k of the virtual stream [previous, ...chunk]: k = 0 is `previous` (if any).
    const offset = this.previous ? 1 : 0;
    const total = inFrames + offset;
    const sample = (frame: number, c: number): number =>
      frame < offset ? this.previous![c]! : view.getInt16(((frame - offset) * ch + c) * 2, true);
    const out: number[] = [];
    let pos = this.position;
    while (pos + 1 < total) {
      const i = Math.floor(pos);
      const frac = pos - i;
      for (let c = 0; c < ch; c++) {
        const a = sample(i, c);
        const b = sample(i + 1, c);
        out.push(Math.round(a + (b - a) * frac));
      }
      pos += this.step;
    }
    if (total > 0) {
      const last = new Int16Array(ch);
      for (let c = 0; c < ch; c++) last[c] = sample(total - 1, c);
      this.previous = last;
      this.position = pos - (total - 1);
    }
    const bytes = new Uint8Array(out.length * 2);
    const dst = new DataView(bytes.buffer);
    for (let i = 0; i < out.length; i++) dst.setInt16(i * 2, out[i]!, true);
    return bytes;
  }
}
