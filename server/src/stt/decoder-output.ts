/**
 * What `pocketsphinx_continuous -time yes` prints on stdout: for each utterance its voice-activity detector found,
 * the hypothesis on one line, then one line per segment: `word start end posterior`, times in seconds (the word's
 * first and last frame over the frame rate). Fillers (`<s>`, `<sil>`, `(NULL)`, `[NOISE]`) are segments too.
 */

/** One decoded word and how long it lasted. */
export interface TimedWord {
  /** As the decoder names it, with its pronunciation variant: `what(2)`. */
  word: string;
  /** Frames it spans, its first and last included. */
  frames: number;
}

export interface DecoderOutput {
  /** The hypothesis lines, joined by spaces. */
  text: string;
  /** The segments that are words (not fillers), in order. */
  words: TimedWord[];
}

const SEGMENT = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/;
const FILLER = /^(<.*>|\(NULL\)|\[.*\])$/;

/** The decoder's frames per second (its default `-frate`, which the recogniser keeps), to turn times back into frames. */
const FRAME_RATE = 100;

/** Parses one decoder's stdout. */
export function parseDecoderOutput(stdout: string): DecoderOutput {
  const hypotheses: string[] = [];
  const words: TimedWord[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = SEGMENT.exec(line);
    if (!m) {
      hypotheses.push(line);
      continue;
    }
    const word = m[1] as string;
    if (FILLER.test(word)) continue;
    words.push({ word, frames: Math.round((Number(m[3]) - Number(m[2])) * FRAME_RATE) + 1 });
  }
  return { text: hypotheses.join(' '), words };
}

/**
 * The words decoded in at most `slack` frames more than the fewest the model allows: three per phone (each phone is a
 * three-state model that cannot skip a state). `phones` gives each word's phone count, keyed like the decoder's words,
 * variants included; a word missing from it counts as one phone.
 */
export function squeezedWords(words: readonly TimedWord[], phones: ReadonlyMap<string, number>, slack: number): TimedWord[] {
  return words.filter((w) => w.frames <= 3 * (phones.get(w.word) ?? 1) + slack);
}
