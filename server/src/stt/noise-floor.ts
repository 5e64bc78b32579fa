/**
 * Adds a faint, steady hiss (white noise at a fixed level) to the audio on its way to the recogniser.
 *
 * Why: some audio has digital silence in its pauses: synthetic speech, and browser microphones whose noise
 * suppression gates the signal. The acoustic model was trained on recordings, whose pauses always hold some room and
 * microphone noise; frames of exact zeros are far outside what it knows, and both the commands and the garbage loop
 * (grammar.ts) then fit them badly. A floor well below speech, but above zero, puts those frames back in range.
 * Measured on the development corpus (speech brought to -30 dBFS by speech-level.ts, the default passes of
 * pocketsphinx.ts): right skill / wrong skill / false accepts of out-of-vocabulary speech 77.3 / 3.6 / 15.6 % without
 * a floor, 88.2 / 0.9 / 15.6 % with one at -70 dBFS. An earlier sweep on that corpus (-50 to -80 dBFS) put -70 best;
 * -50 drowns the commands (52 % right).
 * On audio that has a noise floor of its own (most microphones), adding one this low changes little.
 *
 * The noise comes from a seeded generator, so the same utterance always decodes the same way.
 */
export class NoiseFloor {
  private readonly amplitude: number;
  private state: number;

  /** `dbfs`: RMS level of the added noise, in dB relative to full scale (e.g. -70). */
  constructor(dbfs: number, seed = 0x2545f491) {
    if (!Number.isFinite(dbfs) || dbfs > 0) throw new RangeError(`noise floor must be a level in dBFS <= 0, got ${dbfs}`);
    // Uniform noise on [-a, a] has an RMS of a / √3.
    this.amplitude = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
    this.state = seed >>> 0 || 1;
  }

  /**
   * Adds the noise to `pcm` (16-bit little-endian samples) in place: the caller hands over a buffer it owns (the
   * recogniser's own scaled copy), so the hot path makes no second copy per frame. A trailing odd byte is left as is.
   */
  addTo(pcm: Uint8Array): void {
    const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength - (pcm.byteLength % 2));
    for (let i = 0; i < view.byteLength; i += 2) {
      const v = Math.round(view.getInt16(i, true) + (this.next() * 2 - 1) * this.amplitude);
      view.setInt16(i, v > 32767 ? 32767 : v < -32768 ? -32768 : v, true);
    }
  }

  /** xorshift32, scaled to [0, 1). */
  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}
