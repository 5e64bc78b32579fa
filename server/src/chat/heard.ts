/** One sentence as the TTS spoke it: its text and the milliseconds of audio it produced. */
export interface SpokenSentence {
  text: string;
  ms: number;
}

/**
 * The part of `reply` a listener heard in the first `heardMs` of its audio. Sentences whose audio ended by then
 * are kept whole; inside the sentence playing at `heardMs` the characters are taken in proportion to its audio and
 * the cut moves back to a word boundary (a half-heard word is not kept). Without sentence timings (a provider that
 * spoke the reply in one piece) the whole reply is treated as one sentence of `totalMs`.
 *
 * Guarantees: the result is a prefix of `reply` (trailing space trimmed); `heardMs` at or past the end gives the
 * whole reply; 0 gives ''.
 */
export function heardPrefix(reply: string, sentences: readonly SpokenSentence[], heardMs: number, totalMs?: number): string {
  if (heardMs <= 0 || !reply) return '';
  const spans = locate(reply, sentences);
  if (spans.length === 0) {
    const total = totalMs ?? 0;
    if (total <= 0 || heardMs >= total) return reply;
    return cutAtWord(reply, 0, reply.length, heardMs / total);
  }
  let elapsed = 0;
  for (const span of spans) {
    if (heardMs < elapsed + span.ms) {
      const fraction = span.ms > 0 ? (heardMs - elapsed) / span.ms : 1;
      return cutAtWord(reply, span.start, span.end, fraction);
    }
    elapsed += span.ms;
  }
  return reply;
}

interface Span {
  start: number;
  end: number;
  ms: number;
}

/** Where each spoken sentence sits in the reply, in order; sentences not found (e.g. an apology) are skipped. */
function locate(reply: string, sentences: readonly SpokenSentence[]): Span[] {
  const spans: Span[] = [];
  let cursor = 0;
  for (const s of sentences) {
    const text = s.text.trim();
    if (!text) continue;
    const at = reply.indexOf(text, cursor);
    if (at < 0) continue;
    spans.push({ start: cursor, end: at + text.length, ms: s.ms });
    cursor = at + text.length;
  }
  return spans;
}

function cutAtWord(reply: string, start: number, end: number, fraction: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  let at = start + Math.floor((end - start) * f);
  if (at >= end) return reply.slice(0, end).trimEnd();
  // Back to the last whitespace at or before the cut: keep only whole words.
  while (at > start && !/\s/.test(reply[at]!)) at--;
  return reply.slice(0, at).trimEnd();
}
