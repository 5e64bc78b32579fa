import { readFileSync } from 'node:fs';
import type { CompiledSkill } from '../skills/skill.js';
import { templateWords, type Template, type TemplateNode } from '../skills/template.js';
import { withBritishPronunciations } from './british-pronunciation.js';
import { FREQUENT_WORDS } from './decoy-words.js';

/**
 * The speech grammar of the embedded recogniser, generated from the skills' sentence templates (the same parse the
 * text matcher uses), as a pocketsphinx finite-state grammar (FSG), plus the pronouncing dictionary it needs.
 *
 * Why FSG and not JSGF: rejection needs a weighted competitor, and pocketsphinx 5prealpha (Debian 0.8+5prealpha)
 * drops JSGF weights when it converts the grammar (every transition becomes 1.0; `sphinx_jsgf2fsg` shows it). In
 * the FSG format the transition probabilities are honoured.
 *
 * The garbage loop (on by default): besides the commands, the grammar offers a free loop of 36 phones
 * (GARBAGE_PHONES), each phone costing `garbagePhoneProbability`, and of 500 decoy words (see below). Speech outside
 * the commands is explained more cheaply by the loop than by any command, and the hypothesis then holds garbage words
 * (`isGarbageWord`), which the recogniser reports as rejected. A higher probability rejects more: out-of-vocabulary
 * speech, but also poorly spoken commands. The phone cost was measured before the decoys, with three decoders agreeing
 * (see DEFAULT_SQUEEZE_SLACK in pocketsphinx.ts), British pronunciations and the duration check, on the two
 * development corpora (other sentences and seeds than the benchmark's; each voice one device with its learnt
 * microphone mean), right skill / false accepts / "play some jazz music" taken for a command:
 * 0.01 → 92.7 / 8.9 / 34 % and 92.7 / 14.8 %; 0.015 → 92.7 / 4.4 / 29 % and 91.8 / 8.9 %; 0.02 → 92.7 / 4.4 / 13 %
 * and 91.2 / 7.4 %. The default, 0.02, was chosen there.
 *
 * ```
 *   0 ──command words── … ──▶ 1 (final)
 *   0 ──ε (1.0)──▶ G ──phone (p) or decoy word (q)──▶ H ──ε──▶ G      H ──ε──▶ 1
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

/**
 * Decoy words: the loop also offers the most frequent English words (FREQUENT_WORDS, from the model's own language
 * model) that are not command words and are made of the loop's phones only, each as one garbage word costing
 * `decoyWordProbability`. A loop of context-free phones is a poor model of real speech, so other speech used to be
 * forced onto the nearest command unless a second decoding disagreed; whole words, scored with the model's triphones,
 * explain other speech far better, while a command said as written still costs less on its own path. Words with F, TH
 * or HH are left out for the reason those phones are out of the loop: "feel", "thought" and "health" explained a
 * hissing microphone before and after a command. Decoys that sound like a command word ("no"/"know", "hour"/"our")
 * stay: they only ever sit on the garbage path, and leaving them out took two more false accepts on the large
 * development corpus (10.4 % against 8.9 %) and changed nothing on the first.
 *
 * Replayed decoder output on the development corpora (one pass at 100 frames a second, learnt microphone means,
 * duration check without slack; right skill / false accepts, first corpus then the large one, and how many of 56
 * renditions of "play some jazz music" were taken for a command): the phone loop alone, 95.5 / 35.6 % and 97.3 /
 * 36.3 %, jazz 33; with 500 decoys (F, TH and HH words included) at 1e-5, 94.5 / 11.1 % and 96.4 / 13.3 %, jazz 0; at
 * 2e-5, 94.5 / 11.1 % and 96.4 / 11.9 %; at 5e-5, 93.6 / 8.9 % and 95.8 / 7.4 %. 2000 decoys were no better (dev 92.7 /
 * 4.4 % at 1e-5, slack 1) and took three times the CPU; 150 or 300 took more false accepts (dev 13.3 % at 1e-5,
 * slack 1). The recognition bench on the development corpora, each voice one device (right / wrong / false accepts):
 * - with F, TH and HH words, slack 0, 5e-5: 94.5 / 1.8 / 8.9 % and 93.3 / 0.9 / 9.6 %;
 * - without them (this default), slack 1 (DEFAULT_SQUEEZE_SLACK), 5e-5: 96.4 / 2.7 / 11.1 % and 94.8 / 1.2 / 8.9 %, together
 *   95.2 % right and 9.4 % false accepts; at 1e-4: 96.4 / 2.7 / 8.9 % and 93.9 / 1.2 / 7.4 %, together 94.5 / 7.8 %.
 * Since the decoder scores eight Gaussians and charges for phones (pocketsphinx.ts), 7e-5: replayed, 5e-5 took two more
 * false accepts on the large corpus (8.1 %) for no more commands, 1e-4 one command fewer (figures: pocketsphinx.ts).
 */
export const DEFAULT_DECOY_WORD_PROBABILITY = 7e-5;
export const DEFAULT_DECOY_WORD_COUNT = 500;

export interface GrammarOptions {
  /** Probability of each phone of the garbage loop, 0..1; 0 leaves the phones out (default 0.02). */
  garbagePhoneProbability?: number;
  /** Give every command word its British pronunciation too (see british-pronunciation.ts; default true). */
  britishPronunciations?: boolean;
  /** Probability of each decoy word in the garbage loop, 0..1; 0 leaves them out (default 7e-5). */
  decoyWordProbability?: number;
  /** How many decoy words: the most frequent ones that qualify (see above; default 500, at most what FREQUENT_WORDS holds). */
  decoyWords?: number;
}

/** A grammar ready for the decoder: the FSG text, the dictionary lines it needs, and the command words. */
export interface SpeechGrammar {
  /**
   * Sphinx FSG source (`FSG_BEGIN` … `FSG_END`) for `-fsg`: the commands, and the garbage loop (phones and decoy words)
   * beside them unless both their probabilities are 0.
   */
  fsg: string;
  /** Pronouncing dictionary (with the garbage phones and decoys when there is a loop) in CMU format (`word PH ONES`, variants as `word(2)`), one entry a line. */
  dictionary: string;
  /** Phones of each dictionary entry, keyed as the decoder names the words it decodes (`what(2)` → 3). */
  phoneCounts: Map<string, number>;
  /** Every word a command can contain, sorted. */
  words: string[];
  /**
   * The same FSG with the garbage loop's phones at `probability` (0..1) instead; `fsg` itself when the loop has no
   * phones. The dictionary and phone counts stay valid for it.
   */
  fsgWithGarbage(probability: number): string;
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
  const decoyCost = options.decoyWordProbability ?? DEFAULT_DECOY_WORD_PROBABILITY;
  if (!(decoyCost >= 0 && decoyCost <= 1)) throw new GrammarError(`decoy word probability must be 0..1, got ${decoyCost}`);
  const decoyCount = options.decoyWords ?? DEFAULT_DECOY_WORD_COUNT;
  if (!(Number.isInteger(decoyCount) && decoyCount >= 0)) throw new GrammarError(`decoy word count must be a whole number >= 0, got ${decoyCount}`);
  const commandWordSet = new Set(words);
  const loopPhones = new Set(GARBAGE_PHONES);
  const decoyable = (w: string): boolean =>
    !commandWordSet.has(w) && dictionary.has(w) && (dictionary.get(w) ?? []).every((p) => p.split(/\s+/).every((ph) => loopPhones.has(ph)));
  const decoys = decoyCost > 0 ? FREQUENT_WORDS.filter(decoyable).slice(0, decoyCount) : [];
  const phones = garbage > 0 ? GARBAGE_PHONES : [];
  const fsg = new FsgBuilder();
  for (const s of skills) for (const t of s.templates) fsg.add(t, FsgBuilder.START, FsgBuilder.FINAL, s.slots);
  if (phones.length + decoys.length > 0) {
    const loop = fsg.state();
    const after = fsg.state();
    fsg.epsilon(FsgBuilder.START, loop);
    for (const p of phones) fsg.word(loop, after, phoneWord(p), garbage);
    for (const w of decoys) fsg.word(loop, after, decoyWord(w), decoyCost);
    fsg.epsilon(after, loop);
    fsg.epsilon(after, FsgBuilder.FINAL);
  }
  const dict: string[] = [];
  const phoneCounts = new Map<string, number>();
  const entry = (name: string, phones: string): void => {
    dict.push(`${name} ${phones}`);
    phoneCounts.set(name, phones.split(/\s+/).length);
  };
  /** `name`, `name(2)`, … as the CMU dictionary numbers a word's pronunciations. */
  const variants = (name: string, pronunciations: readonly string[]): void =>
    pronunciations.forEach((p, i) => entry(i === 0 ? name : `${name}(${i + 1})`, p));
  for (const w of words) {
    const own = dictionary.get(w) ?? [];
    const pronunciations = options.britishPronunciations === false ? own : withBritishPronunciations(own);
    variants(w, pronunciations);
  }
  for (const p of phones) entry(phoneWord(p), p);
  for (const w of decoys) variants(decoyWord(w), dictionary.get(w) ?? []);
  const phoneWords = new Set(phones.map(phoneWord));
  const text = fsg.text('pichat');
  const fsgWithGarbage = (probability: number): string => {
    if (!(probability >= 0 && probability <= 1)) throw new GrammarError(`garbage phone probability must be 0..1, got ${probability}`);
    return phoneWords.size === 0 ? text : fsg.text('pichat', (t) => (phoneWords.has(t.word) ? probability : t.p));
  };
  return { fsg: text, dictionary: `${dict.join('\n')}\n`, phoneCounts, words, fsgWithGarbage };
}

function phoneWord(phone: string): string {
  return `${GARBAGE_PREFIX}ph_${phone.toLowerCase()}`;
}

function decoyWord(word: string): string {
  return `${GARBAGE_PREFIX}w_${word}`;
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

  /** The FSG source; `probability` gives a transition's probability instead of the one it was added with. */
  text(name: string, probability: (t: { word: string; p: number }) => number = (t) => t.p): string {
    const outgoing = new Map<number, typeof this.words>();
    for (const t of this.words) {
      const list = outgoing.get(t.from);
      if (list) list.push(t);
      else outgoing.set(t.from, [t]);
    }
    const lines = new Set<string>();
    for (let s = 0; s < this.states; s++) {
      for (const c of this.closure(s)) {
        for (const t of outgoing.get(c) ?? []) lines.add(`TRANSITION ${s} ${t.to} ${probability(t)} ${t.word}`);
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
