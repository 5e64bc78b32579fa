/** Signal level of 16-bit little-endian PCM, for meters, silence detection and tests. */
export interface Level {
  /** Root mean square, 0..1 of full scale. */
  rms: number;
  /** Largest absolute sample, 0..1 of full scale. */
  peak: number;
  /** RMS in dBFS; -Infinity for digital silence. */
  rmsDb: number;
}

export function level(pcm: Uint8Array): Level {
  const samples = Math.floor(pcm.byteLength / 2);
  if (samples === 0) return { rms: 0, peak: 0, rmsDb: -Infinity };
  const view = new DataView(pcm.buffer, pcm.byteOffset, samples * 2);
  let sumSquares = 0;
  let peak = 0;
  for (let i = 0; i < samples; i++) {
    const s = view.getInt16(i * 2, true) / 32768;
    sumSquares += s * s;
    const a = Math.abs(s);
    if (a > peak) peak = a;
  }
  const rms = Math.sqrt(sumSquares / samples);
  return { rms, peak, rmsDb: rms === 0 ? -Infinity : 20 * Math.log10(rms) };
}

/**
 * Multiplies 16-bit PCM by `gain` into a new buffer, saturating at full scale. A gain of 1 returns a copy.
 * Used for software volume and mic gain.
 */
export function applyGain(pcm: Uint8Array, gain: number): Uint8Array {
  const out = new Uint8Array(pcm.byteLength - (pcm.byteLength % 2));
  const src = new DataView(pcm.buffer, pcm.byteOffset, out.byteLength);
  const dst = new DataView(out.buffer);
  for (let i = 0; i < out.byteLength; i += 2) {
    const v = Math.round(src.getInt16(i, true) * gain);
    dst.setInt16(i, v > 32767 ? 32767 : v < -32768 ? -32768 : v, true);
  }
  return out;
}
