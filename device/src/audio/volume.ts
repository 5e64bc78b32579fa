/**
 * Software volume. The device keeps a volume of 0..100 (what people say: "set the volume to 40 percent") and turns
 * it into a linear gain with a square law, a cheap stand-in for perceived loudness: 100 → 0 dB, 50 → −12 dB,
 * 25 → −24 dB, 0 → silence.
 */
export function volumeToGain(volume: number): number {
  const v = clampVolume(volume) / 100;
  return v * v;
}

/** Clamps to 0..100 and rounds to a whole step. */
export function clampVolume(volume: number): number {
  if (!Number.isFinite(volume)) return 0;
  return Math.min(100, Math.max(0, Math.round(volume)));
}
