/**
 * Streaming sentence segmenter for speaking a reply while it is still being written: push text as it arrives
 * (LLM tokens), take whole sentences as soon as they are certain, flush the rest at the end.
 *
 * A sentence ends at `.`, `!`, `?` or `…` (plus any closing quotes or brackets) followed by whitespace, or at a
 * line break. A full stop does not end a sentence inside a number ("$3.50"), after a common abbreviation
 * ("Dr. Smith", "e.g. this"), after a single-letter initial ("J. R. R. Tolkien") or after a list item's number at
 * the start of a line ("1. Open it"). Because the character after a full stop decides (after "No." the character
 * after the space: "No. 5"), a sentence ending exactly at the end of the pushed text is held until more text or
 * `flush()`.
 * A sentence longer than `maxChars` (a run-on, or just a long one) is cut at the last clause boundary (`,;:` or a
 * dash) or space within its first `maxChars` characters, so that speech never waits on an endless sentence and no
 * piece is longer than `maxChars`. The output does not depend on how the text was split into pushes.
 */
export class SentenceSegmenter {
  private buffer = '';

  /**
   * @param maxChars longest piece returned.
   * @param eager when true (for live LLM text), a `.`, `!` or `?` right after an ordinary lower-case word at the
   *   very end of the pushed text ends the sentence without waiting for the next character, saving one token
   *   interval before speech starts. The price: a dotted word such as "example.com" arriving exactly split at its
   *   dot is cut there. Off by default, so that output never depends on how text was split.
   */
  constructor(
    private readonly maxChars = 250,
    private readonly eager = false,
  ) {}

  /** Adds text; returns the sentences it completed, trimmed, in order. */
  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    for (;;) {
      const end = findSentenceEnd(this.buffer);
      if (end >= 0 && end <= this.maxChars) {
        this.take(end, out);
        continue;
      }
      // Cut only once an end within maxChars is ruled out: that needs LOOKAHEAD characters past maxChars, and
      // waiting for them keeps streaming output identical to whole-text output.
      if (this.buffer.length > this.maxChars + LOOKAHEAD) {
        this.take(softBreak(this.buffer, this.maxChars), out);
        continue;
      }
      if (this.eager && this.buffer.length <= this.maxChars && endsWithPlainWordStop(this.buffer)) {
        this.take(this.buffer.length, out);
      }
      return out;
    }
  }

  /** Returns whatever is left as a final sentence (cut like any other if over `maxChars`; empty array if only
   * whitespace remains) and resets. */
  flush(): string[] {
    const out: string[] = [];
    while (this.buffer.length > this.maxChars) this.take(softBreak(this.buffer, this.maxChars), out);
    const rest = this.buffer.trim();
    this.buffer = '';
    if (rest) out.push(rest);
    return out;
  }

  private take(end: number, out: string[]): void {
    const sentence = this.buffer.slice(0, end).trim();
    this.buffer = this.buffer.slice(end);
    if (sentence) out.push(sentence);
  }
}

/** Splits a whole text into sentences with the same rules. */
export function splitSentences(text: string, maxChars?: number): string[] {
  const seg = new SentenceSegmenter(maxChars);
  return [...seg.push(text), ...seg.flush()];
}

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'etc', 'eg', 'ie', 'fig', 'approx', 'inc',
  'ltd', 'co', 'corp', 'dept', 'est', 'gen', 'gov', 'sgt', 'capt', 'col', 'lt', 'rev', 'hon', 'ave', 'blvd', 'rd',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'cf', 'al', 'ca', 'min', 'max',
]);

/** Characters after the whitespace that follows a full stop that may decide a sentence end ("No. 5"). */
const LOOKAHEAD = 1;

/** Abbreviations that are also ordinary sentence-final words; treated as abbreviations only before a digit. */
const BEFORE_NUMBER = new Set(['no']);

const CLOSERS = new Set(['"', "'", ')', ']', '}', '\u201d', '\u2019', '»']);

/** Index just past the first certain sentence end, or -1. */
function findSentenceEnd(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      if (text.slice(0, i).trim()) return i + 1;
      continue;
    }
    if (c !== '.' && c !== '!' && c !== '?' && c !== '…') continue;
    let j = i + 1;
    while (j < text.length && (text[j] === '.' || text[j] === '!' || text[j] === '?' || text[j] === '…')) j++;
    while (j < text.length && CLOSERS.has(text[j]!)) j++;
    if (j >= text.length) return -1; // the next character decides: wait for it
    if (!/\s/.test(text[j]!)) {
      i = j - 1;
      continue;
    }
    if (c === '.' && j === i + 1) {
      if (isListMarker(text, i)) continue;
      const abbreviation = isAbbreviation(text, i);
      if (abbreviation === 'before-number') {
        // "No. 5" is an abbreviation, "No. It is sunny." ends a sentence: the character after the space decides.
        if (j + LOOKAHEAD >= text.length) return -1;
        if (/[0-9]/.test(text[j + LOOKAHEAD]!)) continue;
      } else if (abbreviation) continue;
    }
    return j;
  }
  return -1;
}

/**
 * True when the full stop at `dot` closes an abbreviation or an initial rather than a sentence; 'before-number'
 * for words that are abbreviations only before a number ("No. 5", but "No. It is not.").
 */
function isAbbreviation(text: string, dot: number): boolean | 'before-number' {
  let start = dot;
  while (start > 0 && /[A-Za-z.]/.test(text[start - 1]!)) start--;
  const word = text.slice(start, dot);
  if (/^[A-HJ-Z]$/.test(word)) return true; // an initial: "J. Smith"; not the pronoun: "So do I. Then..."
  if (BEFORE_NUMBER.has(word.toLowerCase())) return 'before-number';
  if (/^([A-Za-z]\.)+[A-Za-z]$/.test(word)) return true; // "e.g", "U.S", "i.e"
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** True when `text` ends with an ordinary lower-case word (not an abbreviation) and one `.`, `!` or `?`. */
function endsWithPlainWordStop(text: string): boolean {
  const match = /(?:^|[\s(\["'\u201c])([a-z]{2,})[.!?]$/.exec(text);
  if (!match) return false;
  const word = match[1]!;
  return !ABBREVIATIONS.has(word) && !BEFORE_NUMBER.has(word);
}

/** True when the full stop at `dot` follows a line-initial number: a list item ("1. Open it"), not a sentence. */
function isListMarker(text: string, dot: number): boolean {
  const lineStart = text.lastIndexOf('\n', dot) + 1;
  return /^\s*[0-9]{1,3}$/.test(text.slice(lineStart, dot));
}

function softBreak(text: string, maxChars: number): number {
  const window = text.slice(0, maxChars);
  const clause = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '), window.lastIndexOf(' - '));
  if (clause > maxChars / 3) return clause + 1;
  const space = window.lastIndexOf(' ');
  return space > 0 ? space : maxChars;
}
