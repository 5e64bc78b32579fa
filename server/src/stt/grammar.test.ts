import { describe, expect, it } from 'vitest';
import { compileSkills, defaultSkills } from '../skills/index.js';
import {
  buildGrammar,
  commandWords,
  DEFAULT_DECOY_WORD_COUNT,
  DEFAULT_DECOY_WORD_PROBABILITY,
  DEFAULT_GARBAGE_PHONE_PROBABILITY,
  GrammarError,
  isGarbageWord,
  loadDictionary,
  parseDictionary,
} from './grammar.js';
import { DEBIAN_MODEL_DIR } from './pocketsphinx.js';

const compiled = compileSkills(defaultSkills());
// The real dictionary: a command word it lacks must fail here, not silently at runtime.
const cmudict = loadDictionary(`${DEBIAN_MODEL_DIR}/cmudict-en-us.dict`);

interface Fsg {
  states: number;
  arcs: { from: number; to: number; p: number; word?: string }[];
}

/** Parses the FSG text, checking its structure: header, state count, every arc between existing states. */
function parseFsg(text: string): Fsg {
  const lines = text.trim().split('\n');
  expect(lines[0]).toBe('FSG_BEGIN pichat');
  expect(lines.at(-1)).toBe('FSG_END');
  const states = Number(/^NUM_STATES (\d+)$/.exec(lines[1] ?? '')?.[1]);
  expect(lines[2]).toBe('START_STATE 0');
  expect(lines[3]).toBe('FINAL_STATE 1');
  const arcs = lines.slice(4, -1).map((line) => {
    const m = /^TRANSITION (\d+) (\d+) ([0-9.e-]+)(?: (\S+))?$/.exec(line);
    expect(m, line).not.toBeNull();
    const [from, to, p] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
    expect(from < states && to < states && p > 0 && p <= 1, line).toBe(true);
    return { from, to, p, ...(m?.[4] ? { word: m[4] } : {}) };
  });
  return { states, arcs };
}

/** Whether the FSG accepts `sentence` (words separated by spaces): a walk over the automaton. */
function accepts(fsg: Fsg, sentence: string): boolean {
  const closure = (set: Set<number>): Set<number> => {
    for (let grew = true; grew; ) {
      grew = false;
      for (const a of fsg.arcs) if (!a.word && set.has(a.from) && !set.has(a.to)) (set.add(a.to), (grew = true));
    }
    return set;
  };
  let at = closure(new Set([0]));
  for (const word of sentence.split(' ')) {
    at = closure(new Set(fsg.arcs.filter((a) => a.word === word && at.has(a.from)).map((a) => a.to)));
    if (at.size === 0) return false;
  }
  return at.has(1);
}

const dictWords = new Set(cmudict.keys());

describe('grammar generation', () => {
  it('is a valid FSG whose every word is in the pronouncing dictionary and in grammar.dict', () => {
    const g = buildGrammar(compiled, cmudict, { garbagePhoneProbability: 0, decoyWordProbability: 0 });
    expect(g.fsg).not.toMatch(/ _(ph|w)_/); // both costs 0: the commands alone
    const fsg = parseFsg(g.fsg);
    const entries = new Set(g.dictionary.trim().split('\n').map((l) => l.split(' ')[0]?.replace(/\(\d+\)$/, '')));
    for (const a of fsg.arcs) {
      if (a.word) expect({ word: a.word, known: dictWords.has(a.word) && entries.has(a.word) }).toEqual({ word: a.word, known: true });
    }
    expect(g.dictionary).toMatch(/^what's W AH T S$/m);
  });

  it("accepts exactly the skills' sentences, with the polite wrapper words", () => {
    const fsg = parseFsg(buildGrammar(compiled, cmudict).fsg);
    for (const sentence of [
      'what time is it',
      "what's the current time right now",
      'please set the volume to fifty five percent thanks',
      'volume at one hundred',
      'turn it all the way up',
      'stop',
      'hey what can you do',
    ]) {
      expect({ sentence, accepted: accepts(fsg, sentence) }).toEqual({ sentence, accepted: true });
    }
    for (const sentence of ['play some jazz music', 'what time', 'set the volume to fifty five five', 'stop stop stop stop', 'please']) {
      expect({ sentence, accepted: accepts(fsg, sentence) }).toEqual({ sentence, accepted: false });
    }
  });

  it('has a garbage loop of 36 phones (not F, TH, HH) by default, costing the given probability per phone', () => {
    expect(buildGrammar(compiled, cmudict, { garbagePhoneProbability: 0 }).fsg).not.toContain('_ph_');
    const g = buildGrammar(compiled, cmudict);
    const fsg = parseFsg(g.fsg);
    expect(accepts(fsg, 'what time is it')).toBe(true);
    const phoneArcs = fsg.arcs.filter((a) => a.word?.startsWith('_ph_'));
    const loopPhones = new Set(phoneArcs.map((a) => a.word));
    expect(loopPhones.size).toBe(36);
    for (const weak of ['_ph_f', '_ph_th', '_ph_hh']) expect(loopPhones.has(weak)).toBe(false);
    expect(g.dictionary).not.toMatch(/^_ph_f /m);
    expect(new Set(phoneArcs.map((a) => a.p))).toEqual(new Set([DEFAULT_GARBAGE_PHONE_PROBABILITY]));
    expect(accepts(fsg, '_ph_p _ph_l _ph_ey')).toBe(true); // any phone string...
    expect(accepts(fsg, 'what time _ph_ey')).toBe(false); // ...but never mixed with a command
    expect(g.dictionary).toMatch(/^_ph_aa AA$/m);
    expect(isGarbageWord('_ph_aa')).toBe(true);
    expect(isGarbageWord("what's")).toBe(false);
    expect(parseFsg(buildGrammar(compiled, cmudict, { garbagePhoneProbability: 0.5 }).fsg).arcs.some((a) => a.p === 0.5)).toBe(true);
    expect(() => buildGrammar(compiled, cmudict, { garbagePhoneProbability: 2 })).toThrow(GrammarError);
    // The same grammar rendered with the phones at another probability: only their arcs change.
    const stricter = parseFsg(g.fsgWithGarbage(0.03));
    expect(new Set(stricter.arcs.filter((a) => a.word?.startsWith('_ph_')).map((a) => a.p))).toEqual(new Set([0.03]));
    const rest = (f: typeof fsg) => f.arcs.filter((a) => !a.word?.startsWith('_ph_'));
    expect(rest(stricter)).toEqual(rest(fsg));
    expect(stricter.arcs.length).toBe(fsg.arcs.length);
    expect(() => g.fsgWithGarbage(1.5)).toThrow(GrammarError);
    const noPhones = buildGrammar(compiled, cmudict, { garbagePhoneProbability: 0 });
    expect(noPhones.fsgWithGarbage(0.5)).toBe(noPhones.fsg);
  });

  it('offers the most frequent English words that are not command words, made of the loop\'s phones, as decoys in the garbage loop', () => {
    const g = buildGrammar(compiled, cmudict);
    const fsg = parseFsg(g.fsg);
    const decoyArcs = fsg.arcs.filter((a) => a.word?.startsWith('_w_'));
    const decoys = new Set(decoyArcs.map((a) => a.word?.slice(3)));
    expect(decoys.size).toBe(DEFAULT_DECOY_WORD_COUNT);
    expect(new Set(decoyArcs.map((a) => a.p))).toEqual(new Set([DEFAULT_DECOY_WORD_PROBABILITY]));
    expect(decoys.has('people')).toBe(true); // among the most frequent, and no command word
    expect(decoys.has('jazz')).toBe(false); // far down the list: decoys are frequent words, not our test sentences
    for (const weak of ['feel', 'thought', 'health']) expect(decoys.has(weak), weak).toBe(false); // F, TH, HH: not in the loop
    for (const w of commandWords(compiled)) expect(decoys.has(w), w).toBe(false);
    expect(isGarbageWord('_w_people')).toBe(true);
    expect(g.dictionary).toMatch(/^_w_people P IY P AH L$/m);
    expect(g.phoneCounts.get('_w_people')).toBe(5);
    // Every decoy the grammar names is pronounced in grammar.dict, words with an apostrophe too.
    const entries = new Set(g.dictionary.trim().split('\n').map((l) => l.split(' ')[0]?.replace(/\(\d+\)$/, '')));
    for (const a of decoyArcs) expect(entries.has(a.word ?? ''), a.word).toBe(true);
    expect(decoys.has("don't")).toBe(true);
    expect(accepts(fsg, '_w_people _ph_ey _w_said')).toBe(true); // decoys and phones in any order...
    expect(accepts(fsg, 'what time _w_people')).toBe(false); // ...never mixed with a command
    const few = buildGrammar(compiled, cmudict, { decoyWords: 3, decoyWordProbability: 0.001 });
    const fewArcs = parseFsg(few.fsg).arcs.filter((a) => a.word?.startsWith('_w_'));
    expect(new Set(fewArcs.map((a) => a.word)).size).toBe(3);
    expect(fewArcs.every((a) => a.p === 0.001)).toBe(true);
    const none = buildGrammar(compiled, cmudict, { decoyWordProbability: 0 });
    expect(none.fsg).not.toContain('_w_');
    expect(none.fsg).toContain('_ph_');
    expect(none.dictionary).not.toContain('_w_');
    expect(buildGrammar(compiled, cmudict, { decoyWordProbability: 0, garbagePhoneProbability: 0 }).fsg).not.toMatch(/ _(ph|w)_/);
    const decoysOnly = buildGrammar(compiled, cmudict, { garbagePhoneProbability: 0 });
    expect(decoysOnly.fsg).toContain('_w_people');
    expect(decoysOnly.fsg).not.toContain('_ph_');
    expect(() => buildGrammar(compiled, cmudict, { decoyWordProbability: -1 })).toThrow(GrammarError);
    expect(() => buildGrammar(compiled, cmudict, { decoyWords: 1.5 })).toThrow(GrammarError);
  });

  it('fails loudly, naming them, when words are missing from the dictionary', () => {
    const tiny = parseDictionary('what W AH T\ntime T AY M\n');
    expect(() => buildGrammar(compiled, tiny)).toThrow(GrammarError);
    expect(() => buildGrammar(compiled, tiny)).toThrow(/missing from the pronouncing dictionary: .*louder/);
  });

  it("gives command words their British pronunciations too, unless told not to", () => {
    const lines = (options = {}) => buildGrammar(compiled, cmudict, options).dictionary.trim().split('\n');
    const british = lines();
    expect(british).toContain('start(2) S T AA T');
    expect(british).toContain('ask(2) AA S K');
    expect(british).toContain('time T AY M');
    expect(british.filter((l) => /^time(\(|\s)/.test(l))).toHaveLength(1);
    const american = lines({ britishPronunciations: false });
    expect(american.some((l) => l.startsWith('start(2)'))).toBe(false);
    expect(british.length).toBeGreaterThan(american.length);
  });

  it('counts the phones of every dictionary entry, keyed as the decoder names its words', () => {
    const g = buildGrammar(compiled, cmudict);
    expect(g.phoneCounts.get('start')).toBe(5);
    expect(g.phoneCounts.get('start(2)')).toBe(4);
    expect(g.phoneCounts.get('_ph_aa')).toBe(1);
    expect(g.phoneCounts.size).toBe(g.dictionary.trim().split('\n').length);
  });

  it('parses CMU dictionaries with variants and comments', () => {
    const d = parseDictionary('read R EH D\nread(2) R IY D # past\nthe DH AH\n');
    expect(d.get('read')).toEqual(['R EH D', 'R IY D']);
    expect(d.get('the')).toEqual(['DH AH']);
  });
});
