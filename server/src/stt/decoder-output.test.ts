import { describe, expect, it } from 'vitest';
import { parseDecoderOutput, squeezedWords } from './decoder-output.js';

// Verbatim stdout of `pocketsphinx_continuous -time yes` (Debian 0.8+5prealpha) for "hey what is the time now please".
const OUT = [
  'hey what is the time now please',
  'hey 0.000 0.170 1.000000',
  'what(2) 0.180 0.390 1.000000',
  'is 0.400 0.550 1.000000',
  'the 0.560 0.660 1.000000',
  'time 0.670 0.970 1.000000',
  'now 0.980 1.120 1.000000',
  'please 1.130 1.570 1.000000',
  '<sil> 1.580 2.030 1.000000',
  '',
].join('\n');

describe('decoder output', () => {
  it('splits the hypothesis from the timed words, fillers left out, each word lasting to the end of its last frame', () => {
    const out = parseDecoderOutput(OUT);
    expect(out.text).toBe('hey what is the time now please');
    expect(out.words.map((w) => w.word)).toEqual(['hey', 'what(2)', 'is', 'the', 'time', 'now', 'please']);
    expect(out.words[0]?.frames).toBe(18);
  });

  it('joins the hypotheses of several utterances and reads output without times', () => {
    const two = 'what time\nwhat 0.000 0.200 1.0\n(NULL) 0.200 0.200 1.0\nis it\n<s> 0.300 0.400 1.0\nis 0.410 0.500 1.0\nit 0.510 0.600 1.0\n';
    expect(parseDecoderOutput(two)).toEqual({
      text: 'what time is it',
      words: [
        { word: 'what', frames: 21 },
        { word: 'is', frames: 10 },
        { word: 'it', frames: 10 },
      ],
    });
    expect(parseDecoderOutput('stop\n')).toEqual({ text: 'stop', words: [] });
    expect(parseDecoderOutput('')).toEqual({ text: '', words: [] });
  });

  it('finds the words decoded within `slack` frames of three a phone; a word with no phone count counts as one phone', () => {
    const phones = new Map([['what(2)', 4], ['time', 3], ['is', 2]]);
    const words = [{ word: 'what(2)', frames: 20 }, { word: 'is', frames: 7 }, { word: 'time', frames: 9 }];
    expect(squeezedWords(words, phones, 0).map((w) => w.word)).toEqual(['time']);
    expect(squeezedWords(words, phones, 1).map((w) => w.word)).toEqual(['is', 'time']);
    expect(squeezedWords([{ word: 'unknown', frames: 4 }], phones, 1)).toHaveLength(1);
    expect(squeezedWords([{ word: 'unknown', frames: 5 }], phones, 1)).toHaveLength(0);
    expect(squeezedWords([], phones, 1)).toEqual([]);
  });
});
