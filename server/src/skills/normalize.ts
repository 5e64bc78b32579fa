/**
 * Text normalisation shared by the skill matcher and the skill templates. Both sides of a match go through the same
 * function, so a template word and a typed or recognised word compare equal whenever they mean the same thing:
 * case, punctuation, contractions ("what's" = "what is") and numbers ("50%" = "fifty percent" = "50 percent").
 *
 * The canonical form is a list of lower-case tokens; numbers are written as decimal digits.
 */

const CONTRACTIONS: Readonly<Record<string, string>> = {
  "what's": 'what is',
  "it's": 'it is',
  "that's": 'that is',
  "who's": 'who is',
  "how's": 'how is',
  "there's": 'there is',
  "where's": 'where is',
  "what're": 'what are',
  "i'm": 'i am',
  "i'd": 'i would',
  "i'll": 'i will',
  "you're": 'you are',
  "let's": 'let us',
  "don't": 'do not',
  "doesn't": 'does not',
  "didn't": 'did not',
  "can't": 'can not',
  cannot: 'can not',
  "couldn't": 'could not',
  "won't": 'will not',
  "isn't": 'is not',
  wanna: 'want to',
  gonna: 'going to',
  okay: 'ok',
};

/** Hesitations that never carry meaning in a command. */
const FILLERS = new Set(['um', 'uh', 'er', 'erm', 'hmm', 'ah']);

const UNITS: Readonly<Record<string, number>> = {
  zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19,
};
const TENS: Readonly<Record<string, number>> = {
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};

/** Splits text into raw lower-case word tokens: punctuation dropped, "50%" split to "50 percent", "twenty-five" to two. */
function rawTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/(\d)\s*%/g, '$1 percent ')
    .replace(/(\d)([a-z])/g, '$1 $2')
    .replace(/[^a-z0-9']+/g, ' ')
    .split(' ')
    .map((t) => t.replace(/^'+|'+$/g, ''))
    .filter((t) => t !== '');
}

/**
 * Replaces runs of number words ("twenty five", "one hundred", "a hundred") with their decimal value. Only numbers
 * up to 999 are needed by any skill; larger phrasings are left as digits of their parts.
 */
function joinNumbers(tokens: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const parsed = parseNumberAt(tokens, i);
    if (parsed) {
      out.push(String(parsed.value));
      i = parsed.next;
    } else {
      out.push(tokens[i] as string);
      i++;
    }
  }
  return out;
}

function parseNumberAt(tokens: string[], start: number): { value: number; next: number } | undefined {
  let i = start;
  let value: number | undefined;
  const word = (k: number): string | undefined => tokens[k];
  // "a hundred" / "one hundred" / "five hundred"
  const first = word(i);
  if (first === undefined) return undefined;
  if (/^\d+$/.test(first)) return { value: Number(first), next: i + 1 };
  if ((first === 'a' || first in UNITS) && word(i + 1) === 'hundred') {
    value = (first === 'a' ? 1 : (UNITS[first] as number)) * 100;
    i += 2;
    if (word(i) === 'and' && (word(i + 1) ?? '') in { ...UNITS, ...TENS }) i++;
    const rest = parseBelowHundred(tokens, i);
    if (rest) return { value: value + rest.value, next: rest.next };
    return { value, next: i };
  }
  if (first === 'hundred') return { value: 100, next: i + 1 };
  return parseBelowHundred(tokens, i);
}

function parseBelowHundred(tokens: string[], i: number): { value: number; next: number } | undefined {
  const w = tokens[i];
  if (w === undefined) return undefined;
  if (w in TENS) {
    const tens = TENS[w] as number;
    const u = tokens[i + 1];
    if (u !== undefined && u in UNITS && (UNITS[u] as number) > 0 && (UNITS[u] as number) < 10) {
      return { value: tens + (UNITS[u] as number), next: i + 2 };
    }
    return { value: tens, next: i + 1 };
  }
  // "oh" counts as zero only inside numbers; alone it is an interjection.
  if (w in UNITS && w !== 'oh') return { value: UNITS[w] as number, next: i + 1 };
  return undefined;
}

/** The canonical token list of `text` (see the module comment). Pure. */
export function normalizeTokens(text: string): string[] {
  const expanded: string[] = [];
  for (const token of rawTokens(text)) {
    if (FILLERS.has(token)) continue;
    const replacement = CONTRACTIONS[token];
    if (replacement !== undefined) expanded.push(...replacement.split(' '));
    else expanded.push(token);
  }
  return joinNumbers(expanded);
}

/** The canonical form of `text` as one space-separated string. */
export function normalizeText(text: string): string {
  return normalizeTokens(text).join(' ');
}
