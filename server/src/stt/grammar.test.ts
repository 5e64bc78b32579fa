import { describe, expect, it } from 'vitest';
import { compileSkills, defaultSkills } from '../skills/index.js';
import { buildGrammar, GrammarError, isGarbageWord, loadDictionary, parseDictionary, TOP_RULE } from './grammar.js';
import { DEBIAN_MODEL_DIR } from './pocketsphinx.js';

const compiled = compileSkills(defaultSkills());
// The real dictionary: a command word it lacks must fail here, not silently at runtime.
const cmudict = loadDictionary(`${DEBIAN_MODEL_DIR}/cmudict-en-us.dict`);

/** Checks the JSGF structure: header, one public rule, every referenced rule defined, brackets balanced. */
function checkJsgf(jsgf: string): void {
  expect(jsgf.startsWith('#JSGF V1.0;\ngrammar pichat;\n')).toBe(true);
  const body = jsgf.split('\n').slice(2).join('\n');
  const rules = [...body.matchAll(/^(public )?<([A-Za-z0-9_]+)> = ([^;]*);/gm)];
  const defined = new Set(rules.map((r) => r[2]));
  expect(rules.filter((r) => r[1]).map((r) => r[2])).toEqual([TOP_RULE]);
  for (const r of rules) {
    for (const ref of (r[3] as string).matchAll(/<([A-Za-z0-9_]+)>/g)) expect(defined.has(ref[1])).toBe(true);
    let depth = 0;
    for (const ch of r[3] as string) {
      depth += ch === '(' || ch === '[' ? 1 : ch === ')' || ch === ']' ? -1 : 0;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
  }
}

describe('grammar generation', () => {
  it('is valid JSGF whose every word is in the pronouncing dictionary', () => {
    const g = buildGrammar(compiled, cmudict);
    checkJsgf(g.jsgf);
    expect(g.words.length).toBeGreaterThan(50);
    const dictWords = new Set(g.dictionary.trim().split('\n').map((l) => l.split(' ')[0]!.replace(/\(\d+\)$/, '')));
    for (const w of g.words) expect(cmudict.has(w)).toBe(true);
    // Every token of the grammar body has a dictionary entry.
    const tokens = g.jsgf.split('\n').slice(2).join(' ').replace(/<[^>]+>|\/[^/]+\/|[()[\]|;=+*]|public/g, ' ').split(/\s+/).filter(Boolean);
    for (const t of tokens) expect({ t, known: dictWords.has(t) }).toEqual({ t, known: true });
    expect(g.jsgf).toContain("what's");
    expect(g.jsgf).toMatch(/<slot_volume_set_percent> = \(zero \| one/);
  });

  it('by default has no garbage loop; asked for one, it adds prefixed words and phones', () => {
    expect(buildGrammar(compiled, cmudict).jsgf).not.toContain('<garbage>');
    const g = buildGrammar(compiled, cmudict, { garbageWeight: 1e-4, garbageWords: ['music', 'jazz'] });
    checkJsgf(g.jsgf);
    expect(g.jsgf).toMatch(/public <utterance> = \/1\/ <command> \| \/0\.0001\/ <garbage>;/);
    expect(g.dictionary).toMatch(/^_jazz JH AE Z$/m);
    expect(g.dictionary).toMatch(/^_ph_aa AA$/m);
    expect(isGarbageWord('_jazz')).toBe(true);
    expect(isGarbageWord("what's")).toBe(false);
  });

  it('fails loudly, naming them, when words are missing from the dictionary', () => {
    const tiny = parseDictionary('what W AH T\ntime T AY M\n');
    expect(() => buildGrammar(compiled, tiny)).toThrow(GrammarError);
    expect(() => buildGrammar(compiled, tiny)).toThrow(/missing from the pronouncing dictionary: .*louder/);
  });

  it('parses CMU dictionaries with variants and comments', () => {
    const d = parseDictionary('read R EH D\nread(2) R IY D # past\nthe DH AH\n');
    expect(d.get('read')).toEqual(['R EH D', 'R IY D']);
    expect(d.get('the')).toEqual(['DH AH']);
  });
});
