import { readFileSync } from 'node:fs';
import type { CompiledSkill } from '../skills/skill.js';
import { templateWords, type Template, type TemplateNode } from '../skills/template.js';
import { withBritishPronunciations } from './british-pronunciation.js';

/**
 * The speech grammar of the embedded recogniser, generated from the skills' sentence templates (the same parse the
 * text matcher uses), as a pocketsphinx finite-state grammar (FSG), plus the pronouncing dictionary it needs.
 *
 * Why FSG and not JSGF: rejection needs a weighted competitor, and pocketsphinx 5prealpha (Debian 0.8+5prealpha)
 * drops JSGF weights when it converts the grammar (every transition becomes 1.0; `sphinx_jsgf2fsg` shows it). In
 * the FSG format the transition probabilities are honoured.
 *
 * The garbage loop (on by default): besides the commands, the grammar offers a free loop of 36 phones
 * (GARBAGE_PHONES), each phone costing `garbagePhoneProbability`. Speech outside the commands is explained more
 * cheaply by the loop than by any command, and the hypothesis then holds garbage words (`isGarbageWord`), which the
 * recogniser reports as rejected. A higher probability rejects more: out-of-vocabulary speech, but also poorly spoken
 * commands. Measured with the default passes, agreement rule, British pronunciations and duration check (see
 * pocketsphinx.ts) on the two development corpora (other sentences and seeds than the benchmark's; each voice one
 * device with its learnt microphone mean), right skill / false accepts / "play some jazz music" taken for a command:
 * 0.01 → 92.7 / 8.9 / 34 % and 92.7 / 14.8 %; 0.015 → 92.7 / 4.4 / 29 % and 91.8 / 8.9 %; 0.02 → 92.7 / 4.4 / 13 %
 * and 91.2 / 7.4 %. The default, 0.02, was chosen there.
 *
 * ```
 *   0 ──command words── … ──▶ 1 (final)
 *   0 ──ε (1.0)──▶ G ──phone (p)──▶ H ──ε──▶ G      H ──ε──▶ 1
 * ```
 */

/** Prefix of the dictionary entries that make up the garbage loop; never a real word's spelling. */
export const GARBAGE_PREFIX = '_';

export function isGarbageWord(word: string): boolean {
  return word.startsWith(GARBAGE_PREFIX);
}

/** The 39 phones of the CMU dictionary (the en-us acoustic model's phone set, without SIL). */
export const CMU_PHONES = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH', 'K',
  'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
] as const;

/**
 * The garbage loop's phones: all but the three weakest, most noise-like ones, F, TH and HH (breath). With them the
 * loop explained steady hiss before, between and after the words more cheaply than the command's silence did, and
 * a command said over a hissing microphone was rejected as other speech; out-of-vocabulary speech has plenty of other
 * phones for the loop to take it. Development corpora, commands in white noise at 22–27 dB SNR heard right: 38 → 48
 * of 53 and 6 → 9 of 11; the extra false accepts are taken back by the duration check (pocketsphinx.ts).
 */
export const GARBAGE_PHONES: readonly string[] = CMU_PHONES.filter((p) => p !== 'F' && p !== 'TH' && p !== 'HH');

/** Default cost of one phone in the garbage loop (see above), tuned on a corpus apart from the benchmark's. */
export const DEFAULT_GARBAGE_PHONE_PROBABILITY = 0.02;

export interface GrammarOptions {
  /** Probability of each phone of the garbage loop, 0..1; 0 leaves the loop out (default 0.02). */
  garbagePhoneProbability?: number;
  /** Give every command word its British pronunciation too (see british-pronunciation.ts; default true). */
  britishPronunciations?: boolean;
}

/** A grammar ready for the decoder: the FSG text, the dictionary lines it needs, and the command words. */
export interface SpeechGrammar {
  /** Sphinx FSG source (`FSG_BEGIN` … `FSG_END`) of the commands alone, for `-fsg`. */
  fsg: string;
  /** The same with the garbage loop beside the commands; undefined when its probability is 0. */
  garbageFsg: string | undefined;
  /** Pronouncing dictionary (with the garbage phones when there is a loop) in CMU format (`word PH ONES`, variants as `word(2)`), one entry a line. */
  dictionary: string;
  /** Phones of each dictionary entry, keyed as the decoder names the words it decodes (`what(2)` → 3). */
  phoneCounts: Map<string, number>;
  /** Every word a command can contain, sorted. */
  words: string[];
}

export class GrammarError extends Error {
  override name = 'GrammarError';
}

/** word → its pronunciations (phone strings), from a CMU-format dictionary. */
export type Pronunciations = ReadonlyMap<string, readonly string[]>;

/** Parses a CMU-format dictionary (e.g. `/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict`). */
export function parseDictionary(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+?)(?:\(\d+\))?\s+(.+?)\s*(?:#.*)?$/.exec(line);
    if (!m) continue;
    const word = (m[1] as string).toLowerCase();
    const list = out.get(word);
    if (list) list.push(m[2] as string);
    else out.set(word, [m[2] as string]);
  }
  return out;
}

export function loadDictionary(path: string): Map<string, string[]> {
  try {
    return parseDictionary(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GrammarError(`cannot read the pronouncing dictionary ${path}: ${(err as Error).message}`);
  }
}

/** Every word the skills' templates and slots can produce, sorted. */
export function commandWords(skills: readonly CompiledSkill[]): string[] {
  const words = new Set<string>();
  for (const s of skills) {
    for (const t of s.templates) templateWords(t, words);
    for (const slot of Object.values(s.slots)) templateWords(slot, words);
  }
  return [...words].sort();
}

/**
 * Builds the grammar of `skills`. Throws a GrammarError listing every command word the dictionary lacks: a word
 * the decoder cannot pronounce would silently make its sentences unreachable.
 */
export function buildGrammar(
  skills: readonly CompiledSkill[],
  dictionary: Pronunciations,
  options: GrammarOptions = {},
): SpeechGrammar {
  const words = commandWords(skills);
  const missing = words.filter((w) => !dictionary.has(w));
  if (missing.length > 0) {
    throw new GrammarError(`words missing from the pronouncing dictionary: ${missing.join(', ')}`);
  }
  const garbage = options.garbagePhoneProbability ?? DEFAULT_GARBAGE_PHONE_PROBABILITY;
  if (!(garbage >= 0 && garbage <= 1)) throw new GrammarError(`garbage phone probability must be 0..1, got ${garbage}`);
  const fsg = new FsgBuilder();
  for (const s of skills) for (const t of s.templates) fsg.add(t, FsgBuilder.START, FsgBuilder.FINAL, s.slots);
  const commands = fsg.text('pichat');
  let withGarbage: string | undefined;
  if (garbage > 0) {
    const loop = fsg.state();
    const after = fsg.state();
    fsg.epsilon(FsgBuilder.START, loop);
    for (const p of GARBAGE_PHONES) fsg.word(loop, after, phoneWord(p), garbage);
    fsg.epsilon(after, loop);
    fsg.epsilon(after, FsgBuilder.FINAL);
    withGarbage = fsg.text('pichat');
  }
  const dict: string[] = [];
  const phoneCounts = new Map<string, number>();
  const entry = (name: string, phones: string): void => {
    dict.push(`${name} ${phones}`);
    phoneCounts.set(name, phones.split(/\s+/).length);
  };
  for (const w of words) {
    const own = dictionary.get(w) ?? [];
    const pronunciations = options.britishPronunciations === false ? own : withBritishPronunciations(own);
    pronunciations.forEach((p, i) => entry(i === 0 ? w : `${w}(${i + 1})`, p));
  }
  if (withGarbage) for (const p of GARBAGE_PHONES) entry(phoneWord(p), p);
  return { fsg: commands, garbageFsg: withGarbage, dictionary: `${dict.join('\n')}\n`, phoneCounts, words };
}

function phoneWord(phone: string): string {
  return `${GARBAGE_PREFIX}ph_${phone.toLowerCase()}`;
}

/**
 * Thompson construction of templates into an FSG: a word is one transition, a sequence a chain of new states, a
 * choice a set of parallel paths between the same two states, an optional choice one more ε path. Slots are
 * expanded in place. Command transitions carry probability 1, as pocketsphinx's own JSGF conversion gives them.
 *
 * The ε transitions are then written out (only ε into the final state stays), much as pocketsphinx's own JSGF
 * conversion does. Whether the search scores the ε form any differently was not established; the figures above were
 * measured on this form.
 */
class FsgBuilder {
  static readonly START = 0;
  static readonly FINAL = 1;
  private states = 2;
  private readonly words: { from: number; to: number; p: number; word: string }[] = [];
  private readonly nulls = new Map<number, number[]>();

  state(): number {
    return this.states++;
  }

  word(from: number, to: number, word: string, p = 1): void {
    this.words.push({ from, to, p, word });
  }

  epsilon(from: number, to: number): void {
    const list = this.nulls.get(from);
    if (list) list.push(to);
    else this.nulls.set(from, [to]);
  }

  add(node: TemplateNode, from: number, to: number, slots: Readonly<Record<string, Template>>): void {
    if (node.kind === 'word') return this.word(from, to, node.word);
    if (node.kind === 'slot') {
      const slot = slots[node.name];
      if (!slot) throw new GrammarError(`unknown slot {${node.name}}`);
      return this.add(slot, from, to, slots);
    }
    if (node.optional) this.epsilon(from, to);
    for (const option of node.options) {
      let at = from;
      option.forEach((n, i) => {
        const next = i === option.length - 1 ? to : this.state();
        this.add(n, at, next, slots);
        at = next;
      });
    }
  }

  text(name: string): string {
    const outgoing = new Map<number, typeof this.words>();
    for (const t of this.words) {
      const list = outgoing.get(t.from);
      if (list) list.push(t);
      else outgoing.set(t.from, [t]);
    }
    const lines = new Set<string>();
    for (let s = 0; s < this.states; s++) {
      for (const c of this.closure(s)) {
        for (const t of outgoing.get(c) ?? []) lines.add(`TRANSITION ${s} ${t.to} ${t.p} ${t.word}`);
        if (c === FsgBuilder.FINAL && s !== c) lines.add(`TRANSITION ${s} ${FsgBuilder.FINAL} 1`);
      }
    }
    const head = [`FSG_BEGIN ${name}`, `NUM_STATES ${this.states}`, `START_STATE ${FsgBuilder.START}`, `FINAL_STATE ${FsgBuilder.FINAL}`];
    return `${[...head, ...lines, 'FSG_END'].join('\n')}\n`;
  }

  /** `state` and every state reachable from it through ε transitions. */
  private closure(state: number): Set<number> {
    const seen = new Set([state]);
    const stack = [state];
    for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
      for (const next of this.nulls.get(s) ?? []) if (!seen.has(next)) (seen.add(next), stack.push(next));
    }
    return seen;
  }
}
