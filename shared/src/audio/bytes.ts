/** Joins byte chunks into one. Returns the only non-empty chunk itself (no copy) when there is just one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.byteLength > 0);
  if (nonEmpty.length === 1) return nonEmpty[0] as Uint8Array;
  const out = new Uint8Array(nonEmpty.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of nonEmpty) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
