import { describe, expect, it } from 'vitest';
import { heardPrefix } from './heard.js';

const reply = 'The first sentence is here. The second one follows.';
const sentences = [
  { text: 'The first sentence is here.', ms: 270 },
  { text: 'The second one follows.', ms: 230 },
];

describe('heardPrefix: the part of a reply a listener heard', () => {
  it('keeps whole sentences that finished playing and whole words of the one playing', () => {
    expect(heardPrefix(reply, sentences, 270)).toBe('The first sentence is here.');
    expect(heardPrefix(reply, sentences, 330)).toBe('The first sentence is here. The');
    expect(heardPrefix(reply, sentences, 100)).toBe('The first');
  });

  it('gives everything at or past the end, and nothing at 0', () => {
    expect(heardPrefix(reply, sentences, 500)).toBe(reply);
    expect(heardPrefix(reply, sentences, 9999)).toBe(reply);
    expect(heardPrefix(reply, sentences, 0)).toBe('');
    expect(heardPrefix('', sentences, 100)).toBe('');
  });

  it('never cuts a word in half', () => {
    for (let ms = 0; ms <= 500; ms += 7) {
      const heard = heardPrefix(reply, sentences, ms);
      expect(reply.startsWith(heard)).toBe(true);
      const next = reply[heard.length];
      expect(heard === '' || next === undefined || next === ' ', `${ms} ms: "${heard}"`).toBe(true);
    }
  });

  it('without sentence timings, cuts in proportion to the total audio', () => {
    expect(heardPrefix('one two three four', [], 50, 100)).toBe('one two');
    expect(heardPrefix('one two three four', [], 100, 100)).toBe('one two three four');
  });

  it('skips spoken text that is not in the reply (an apology after a failure)', () => {
    const spoken = [{ text: 'Sorry, something went wrong.', ms: 300 }, ...sentences];
    expect(heardPrefix(reply, spoken, 270)).toBe('The first sentence is here.');
  });
});
