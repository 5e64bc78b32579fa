/**
 * Turns what a person types into a safe FTS5 query: every word becomes a quoted phrase (so that FTS5 operators
 * and punctuation in the input mean nothing), words are ANDed, and the last word matches as a prefix so that
 * results appear while typing. Returns '' when there is nothing to look for.
 */
export function ftsQuery(input: string): string {
  const words = input
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 16);
  if (words.length === 0) return '';
  return words.map((w, i) => `"${w.replaceAll('"', '""')}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}
