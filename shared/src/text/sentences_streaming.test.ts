import { describe, expect, test } from 'vitest';
import { SentenceSegmenter, splitSentences } from './sentences.js';

/** Small deterministic PRNG (mulberry32) so that failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'Dr.', 'Smith', 'No.', 'no.', '5', '$3.50', '3.', 'U.S.', 'e.g.', 'i.e.', 'J.', 'I.', 'etc.', 'a.m.', 'ok', 'the',
  'reply', 'is', 'here.', 'here!', 'what?', 'really?!', 'wait...', 'so…', '"quoted."', "'single!'", '(aside.)',
  'well,', 'then;', 'note:', '-', 'example.com', 'v1.2.3', 'Mr.', 'St.', 'x'.repeat(70), '“curly?”', '42.',
];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\n', '\t', ' \n ', '\r\n'];

function randomText(random: () => number, words: number): string {
  let text = random() < 0.2 ? ' ' : '';
  for (let i = 0; i < words; i++) {
    text += PIECES[Math.floor(random() * PIECES.length)]!;
    text += SPACES[Math.floor(random() * SPACES.length)]!;
  }
  return random() < 0.5 ? text.trimEnd() : text;
}

/** Cuts `text` at random places, including inside words, punctuation runs and whitespace runs. */
function randomSplit(random: () => number, text: string): string[] {
  const parts: string[] = [];
  for (let at = 0; at < text.length; ) {
    const len = random() < 0.3 ? 1 : Math.floor(random() * 12);
    parts.push(text.slice(at, at + len)); // empty pushes included
    at += len;
  }
  return parts;
}

function stream(parts: string[], maxChars?: number): string[] {
  const seg = new SentenceSegmenter(maxChars);
  return [...parts.flatMap((p) => seg.push(p)), ...seg.flush()];
}

const squash = (s: string): string => s.replace(/\s+/g, '');

describe('sentence segmenter properties', () => {
  test.each([250, 120, 60, 20])('maxChars %i: streaming equals whole text, nothing lost or duplicated', (maxChars) => {
    const random = rng(maxChars);
    for (let n = 0; n < 300; n++) {
      const text = randomText(random, 1 + Math.floor(random() * 60));
      const whole = splitSentences(text, maxChars);
      // nothing lost, nothing duplicated, nothing reordered
      expect(squash(whole.join(''))).toBe(squash(text));
      for (const s of whole) {
        expect(s).toBe(s.trim());
        expect(s.length).toBeGreaterThan(0);
        expect(s.length).toBeLessThanOrEqual(maxChars);
      }
      for (let k = 0; k < 5; k++) {
        const parts = randomSplit(random, text);
        const streamed = stream(parts, maxChars);
        if (JSON.stringify(streamed) !== JSON.stringify(whole)) {
          expect({ text, parts, streamed }).toEqual({ text, parts, streamed: whole });
        }
      }
      // one character at a time
      expect(stream([...text], maxChars)).toEqual(whole);
    }
  });

  test('pushing everything holds back at most the last sentence until flush', () => {
    const random = rng(99);
    for (let n = 0; n < 200; n++) {
      const text = randomText(random, 20);
      const whole = splitSentences(text, 1000);
      const seg = new SentenceSegmenter(1000);
      const emitted = [...text].flatMap((ch) => seg.push(ch));
      expect(emitted).toEqual(whole.slice(0, emitted.length));
      expect(emitted.length).toBeGreaterThanOrEqual(whole.length - 1);
      expect([...emitted, ...seg.flush()]).toEqual(whole);
    }
  });
});
