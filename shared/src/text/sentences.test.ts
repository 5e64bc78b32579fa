import { describe, expect, test } from 'vitest';
import { SentenceSegmenter, splitSentences } from './sentences.js';

describe('sentence boundaries', () => {
  test('"It costs $3.50. Dr. Smith agreed." is exactly two sentences', () => {
    expect(splitSentences('It costs $3.50. Dr. Smith agreed.')).toEqual(['It costs $3.50.', 'Dr. Smith agreed.']);
  });

  test.each([
    ['plain', 'Hello there. How are you? I am fine!', ['Hello there.', 'How are you?', 'I am fine!']],
    ['titles', 'Mr. and Mrs. Jones met Prof. Lee. They talked.', ['Mr. and Mrs. Jones met Prof. Lee.', 'They talked.']],
    ['St. and Mt.', 'We drove up Mt. Hood past St. Helens. It rained.', ['We drove up Mt. Hood past St. Helens.', 'It rained.']],
    ['etc. mid-sentence', 'Bring pens, paper, etc. and a snack. Thanks.', ['Bring pens, paper, etc. and a snack.', 'Thanks.']],
    ['vs.', 'It was Lions vs. Tigers. Lions won.', ['It was Lions vs. Tigers.', 'Lions won.']],
    ['months', 'On Jan. 5 it snowed. Then it melted.', ['On Jan. 5 it snowed.', 'Then it melted.']],
    ['initials', 'J. R. R. Tolkien wrote it. Yes.', ['J. R. R. Tolkien wrote it.', 'Yes.']],
    ['an initial mid-name', 'Ask John F. Kennedy. He knows.', ['Ask John F. Kennedy.', 'He knows.']],
    ['e.g. and i.e.', 'Use a fruit, e.g. an apple, i.e. something sweet. Done.', ['Use a fruit, e.g. an apple, i.e. something sweet.', 'Done.']],
    ['U.S.', 'The U.S. economy grew. Then it shrank.', ['The U.S. economy grew.', 'Then it shrank.']],
    ['a.m./p.m.', 'Meet at 9 a.m. tomorrow. Bring coffee.', ['Meet at 9 a.m. tomorrow.', 'Bring coffee.']],
    ['decimals', 'Pi is 3.14159. The rate is 0.5%. Ok.', ['Pi is 3.14159.', 'The rate is 0.5%.', 'Ok.']],
    ['a version number', 'Update to v2.3.1 now. It is out.', ['Update to v2.3.1 now.', 'It is out.']],
    ['a number ends a sentence', 'The answer is 42. Next question.', ['The answer is 42.', 'Next question.']],
    ['a domain name', 'Visit example.com today. Or not.', ['Visit example.com today.', 'Or not.']],
    ['a domain at the end', 'Visit example.com. Or not.', ['Visit example.com.', 'Or not.']],
    ['No. before a number', 'It is No. 5 on the list. Good.', ['It is No. 5 on the list.', 'Good.']],
    ['"No." as an answer', 'Is it raining? No. It is sunny.', ['Is it raining?', 'No.', 'It is sunny.']],
    ['the pronoun I', 'So do I. Then we left.', ['So do I.', 'Then we left.']],
    ['a lowercase letter', 'Pick option a. Then go.', ['Pick option a.', 'Then go.']],
    ['an ellipsis', 'Well... I think so. Yes.', ['Well...', 'I think so.', 'Yes.']],
    ['a unicode ellipsis', 'Hmm… maybe. Sure.', ['Hmm…', 'maybe.', 'Sure.']],
    ['an ellipsis inside a word run', 'Wait...what? Ok.', ['Wait...what?', 'Ok.']],
    ['!? runs', 'Really?! No way!!! Yes.', ['Really?!', 'No way!!!', 'Yes.']],
    ['?.. runs', 'Why?.. Because.', ['Why?..', 'Because.']],
    ['a closing quote', 'He said "Hi." Then he left.', ['He said "Hi."', 'Then he left.']],
    ['curly quotes', 'She said “Stop!” He stopped.', ['She said “Stop!”', 'He stopped.']],
    ['single quotes', "It's 'fine.' Next.", ["It's 'fine.'", 'Next.']],
    ['a bracket', 'It works (mostly.) Try it.', ['It works (mostly.)', 'Try it.']],
    ['quote and bracket', 'Read it ("now!") Then sleep.', ['Read it ("now!")', 'Then sleep.']],
    ['punctuation inside a word', 'The file is a.out today. Ok.', ['The file is a.out today.', 'Ok.']],
    ['a newline', 'First line\nSecond line', ['First line', 'Second line']],
    ['newlines and lists', 'Steps:\n1. Open it\n2. Close it\n', ['Steps:', '1. Open it', '2. Close it']],
    ['a list after text on the same line', 'Do this: 1. Open it. Done.', ['Do this: 1.', 'Open it.', 'Done.']],
    ['a year at the start of a line', '1999. A good year.', ['1999.', 'A good year.']],
    ['blank lines', '\n\nHello.\n\n\nBye.\n', ['Hello.', 'Bye.']],
    ['CRLF', 'One\r\nTwo\r\n', ['One', 'Two']],
    ['tabs after a stop', 'One.\tTwo.', ['One.', 'Two.']],
    ['no final punctuation', 'It is noon', ['It is noon']],
    ['only whitespace', '   \n\t ', []],
    ['empty', '', []],
  ])('%s', (_name, text, expected) => {
    expect(splitSentences(text)).toEqual(expected);
  });
});

describe('streaming', () => {
  test('a sentence ending at the end of the pushed text waits for the next character', () => {
    const seg = new SentenceSegmenter();
    expect(seg.push('It costs $3.')).toEqual([]);
    expect(seg.push('50. Dr.')).toEqual(['It costs $3.50.']);
    expect(seg.push(' Smith agreed.')).toEqual([]);
    expect(seg.push(' And')).toEqual(['Dr. Smith agreed.']);
    expect(seg.flush()).toEqual(['And']);
  });

  test('"No." waits for the character after the space', () => {
    const seg = new SentenceSegmenter();
    expect(seg.push('No. ')).toEqual([]);
    expect(seg.push('5')).toEqual([]);
    expect(seg.push(' is best. ')).toEqual(['No. 5 is best.']);
    expect(seg.push('No. ')).toEqual([]);
    expect(seg.push('I')).toEqual(['No.']);
  });

  test('a newline ends a sentence at once', () => {
    expect(new SentenceSegmenter().push('Hello\n')).toEqual(['Hello']);
  });

  test('flush returns the rest once and resets', () => {
    const seg = new SentenceSegmenter();
    expect(seg.push('One. Two')).toEqual(['One.']);
    expect(seg.flush()).toEqual(['Two']);
    expect(seg.flush()).toEqual([]);
    expect(seg.push('Three. ')).toEqual(['Three.']);
    expect(seg.flush()).toEqual([]);
  });

  test('flush of a pending sentence with a closing quote', () => {
    const seg = new SentenceSegmenter();
    expect(seg.push('He said "stop."')).toEqual([]);
    expect(seg.flush()).toEqual(['He said "stop."']);
  });

  test('token-by-token equals whole text on a realistic reply', () => {
    const reply =
      'Sure! It is 3:45 p.m. in the U.S. right now. Dr. Jones said the temperature is 21.5 degrees, i.e. mild. ' +
      'Want more?! "Yes," she said. No. 7 is next… then No. Really.\nDone';
    const tokens = reply.match(/\S+|\s+/g)!;
    const seg = new SentenceSegmenter();
    const streamed = [...tokens.flatMap((t) => seg.push(t)), ...seg.flush()];
    expect(streamed).toEqual(splitSentences(reply));
    expect(streamed).toEqual([
      'Sure!',
      'It is 3:45 p.m. in the U.S. right now.',
      'Dr. Jones said the temperature is 21.5 degrees, i.e. mild.',
      'Want more?!',
      '"Yes," she said.',
      'No. 7 is next…',
      'then No.',
      'Really.',
      'Done',
    ]);
  });
});

describe('long sentences', () => {
  test('a run-on without punctuation is cut at maxChars, at a space', () => {
    const text = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const pieces = splitSentences(text, 80);
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(80);
      expect(p).toMatch(/^word\d+( word\d+)*$/); // never cut inside a word
    }
    expect(pieces.join(' ')).toBe(text);
  });

  test('a long sentence that does end with a full stop is cut too', () => {
    const text = `${'blah '.repeat(60)}end. Short one.`;
    const pieces = splitSentences(text, 100);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(100);
    expect(pieces.at(-1)).toBe('Short one.');
    expect(pieces.join(' ')).toBe(text);
  });

  test('prefers a clause boundary in the last two thirds of the window', () => {
    const text = `${'a'.repeat(30)} ${'b'.repeat(20)}, ${'c'.repeat(10)} ${'d'.repeat(60)}`;
    expect(splitSentences(text, 80)[0]).toBe(`${'a'.repeat(30)} ${'b'.repeat(20)},`);
  });

  test('a clause boundary too early is ignored in favour of the last space', () => {
    const text = `${'a'.repeat(5)}, ${'b'.repeat(40)} ${'c'.repeat(30)} ${'d'.repeat(40)}`;
    expect(splitSentences(text, 80)[0]).toBe(`${'a'.repeat(5)}, ${'b'.repeat(40)} ${'c'.repeat(30)}`);
  });

  test('a word longer than maxChars is cut hard', () => {
    const pieces = splitSentences('x'.repeat(250), 100);
    expect(pieces).toEqual(['x'.repeat(100), 'x'.repeat(100), 'x'.repeat(50)]);
  });

  test('the default maxChars is 250', () => {
    const pieces = splitSentences('word '.repeat(200));
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(250);
    expect(Math.max(...pieces.map((p) => p.length))).toBeGreaterThan(200);
  });

  test('streaming a run-on emits pieces before the end arrives', () => {
    const seg = new SentenceSegmenter(50);
    const out: string[] = [];
    for (let i = 0; i < 30; i++) out.push(...seg.push(`w${i} `));
    expect(out.length).toBeGreaterThan(0);
    for (const p of out) expect(p.length).toBeLessThanOrEqual(50);
  });
});

describe('eager mode (live LLM text)', () => {
  test('ends a sentence at a stop after an ordinary word without waiting for the next token', () => {
    const seg = new SentenceSegmenter(250, true);
    expect(seg.push('The lights are on')).toEqual([]);
    expect(seg.push('.')).toEqual(['The lights are on.']);
    expect(seg.push(' Anything else?')).toEqual(['Anything else?']);
    expect(seg.flush()).toEqual([]);
  });

  test('still waits after numbers, abbreviations, initials and capitalised words', () => {
    const seg = new SentenceSegmenter(250, true);
    for (const piece of ['Ask Dr.', ' Smith or J.', ' Doe etc.', ' Ok.']) expect(seg.push(piece)).toEqual([]);
    const all = new SentenceSegmenter(250, true);
    const out = [...all.push('It costs $3.'), ...all.push('50. Ask Dr.'), ...all.push(' Smith etc.'), ...all.push(' Fine')];
    expect([...out, ...all.flush()]).toEqual(['It costs $3.50.', 'Ask Dr. Smith etc. Fine']);
  });
});
