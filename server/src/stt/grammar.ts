import { readFileSync } from 'node:fs';
import type { CompiledSkill } from '../skills/skill.js';
import { templateToJsgf, templateWords } from '../skills/template.js';

/**
 * The speech grammar of the embedded recogniser, generated from the skills' sentence templates (the same parse the
 * text matcher uses), plus the pronouncing dictionary it needs.
 *
 * Optional garbage model (off by default): the top rule can offer a second path, a loop of common English words
 * and single phones with a low prior weight, so that speech outside the commands is explained as garbage instead of
 * being forced onto the nearest command. Garbage words carry `GARBAGE_PREFIX`, which is how a hypothesis through
 * garbage is recognised (`isGarbageWord`). Measured with pocketsphinx 5prealpha (Debian 0.8+5prealpha) on espeak-ng
 * speech it does not work: the free phone loop out-scores every command whatever the weight, the word loop makes
 * decoding 10-40 times slower, and JSGF weights barely move the balance. The recogniser's default rejection is
 * therefore two-pass agreement (see pocketsphinx.ts); the option stays for experiments with other models.
 *
 * ```
 *   public <utterance> = /W_cmd/ <command> | /W_garbage/ <garbage>;
 *   <command> = [please | ...] (<skill_time> | <skill_date> | ...) [please | ...];
 *   <garbage> = <filler>+;   <filler> = _the | _music | ... | _ph_aa | _ph_b | ...;
 * ```
 */

/** Prefix of the dictionary entries that make up the garbage model; never a real word's spelling. */
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
 * Frequent words of everyday English requests and chatter, the word half of the garbage model. They compete with
 * the commands for speech that is not a command; command words themselves are included too, so that a sentence
 * which merely contains "time" or "volume" is not forced onto a command.
 */
export const GARBAGE_WORDS: readonly string[] = (
  'a about after again all also always am an and any are around as ask at away back bad be because been before ' +
  'best better big book buy by call came can car cat cats city cold come could day did do does dog done down ' +
  'eat email every far find first food for friend from fun game get give go going good got great had has have he ' +
  'hear hello her here him his home hot house how i if in is it joke just kind know last let light like listen ' +
  'little long look lot love make man many me money more morning most movie much music my name need new news ' +
  'next night no not now of off old on one only open or order other our out over party people phone picture ' +
  'place play please put question rain read remind right room said say see send set she should show some song ' +
  'sorry start still stop story take talk tell than thank that the their them then there these they thing think ' +
  'this those time to today tomorrow too turn two up us very want was watch water way we weather week well ' +
  'went were what when where which who why will with work world would write year yes yesterday you your ' +
  'jazz weekend dinner recipe capital france president lights kitchen alarm timer minutes hours traffic ' +
  'translate spanish football score team train flight ticket shopping list add milk bread coffee'
).split(' ');

export interface GrammarOptions {
  /** Words of the garbage loop (default GARBAGE_WORDS). Words missing from the dictionary are skipped. */
  garbageWords?: readonly string[];
  /** Whether single phones join the garbage loop (default true); they absorb words no list can hold. */
  garbagePhones?: boolean;
  /** Prior weights of the command and garbage paths (default 1 and 0: no garbage path). */
  commandWeight?: number;
  garbageWeight?: number;
}

/** A grammar ready for the decoder: JSGF text, the dictionary lines it needs, and the command words. */
export interface SpeechGrammar {
  /** JSGF source; its public rule is `TOP_RULE`. */
  jsgf: string;
  /** Pronouncing dictionary in CMU format (`word PH ONES`, variants as `word(2)`), one entry a line. */
  dictionary: string;
  /** Every word a command can contain, sorted. */
  words: string[];
}

export const TOP_RULE = 'utterance';

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

const ruleName = (text: string): string => text.replace(/[^a-zA-Z0-9_]/g, '_');

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
  const lines = ['#JSGF V1.0;', 'grammar pichat;', ''];
  const commandWeight = options.commandWeight ?? 1;
  const garbageWeight = options.garbageWeight ?? 0;
  const garbageWords = (options.garbageWords ?? GARBAGE_WORDS).filter((w) => dictionary.has(w));
  const phones = options.garbagePhones ?? true;
  const fillers = [...garbageWords.map((w) => GARBAGE_PREFIX + w), ...(phones ? CMU_PHONES.map(phoneWord) : [])];
  const useGarbage = fillers.length > 0 && garbageWeight > 0;
  lines.push(
    useGarbage
      ? `public <${TOP_RULE}> = /${commandWeight}/ <command> | /${garbageWeight}/ <garbage>;`
      : `public <${TOP_RULE}> = <command>;`,
  );
  lines.push(`<command> = ${skills.map((s) => `<skill_${ruleName(s.skill.name)}>`).join(' | ')};`);
  for (const s of skills) {
    const slotRule = (name: string): string => `slot_${ruleName(s.skill.name)}_${ruleName(name)}`;
    const body = s.templates.map((t) => templateToJsgf(t, slotRule)).join('\n    | ');
    lines.push(`<skill_${ruleName(s.skill.name)}> = ${body};`);
    for (const [name, slot] of Object.entries(s.slots)) lines.push(`<${slotRule(name)}> = ${templateToJsgf(slot, slotRule)};`);
  }
  if (useGarbage) {
    lines.push('<garbage> = <filler>+;');
    lines.push(`<filler> = ${fillers.join(' | ')};`);
  }
  const dict: string[] = [];
  const addEntries = (spelling: string, prons: readonly string[]): void => {
    prons.forEach((p, i) => dict.push(i === 0 ? `${spelling} ${p}` : `${spelling}(${i + 1}) ${p}`));
  };
  for (const w of words) addEntries(w, dictionary.get(w) ?? []);
  if (useGarbage) {
    for (const w of garbageWords) addEntries(GARBAGE_PREFIX + w, dictionary.get(w) ?? []);
    if (phones) for (const p of CMU_PHONES) dict.push(`${phoneWord(p)} ${p}`);
  }
  return { jsgf: `${lines.join('\n')}\n`, dictionary: `${dict.join('\n')}\n`, words };
}

function phoneWord(phone: string): string {
  return `${GARBAGE_PREFIX}ph_${phone.toLowerCase()}`;
}
