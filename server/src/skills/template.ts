import { normalizeTokens } from './normalize.js';

/**
 * Sentence templates: the one description of what a skill understands. The speech grammar (an FSG, see
 * `stt/grammar.ts`) and the text matcher (`compileMatcher`) are both generated from the same parsed template, so
 * what the recogniser can hear is always something the matcher accepts.
 *
 * Syntax (a subset of the right-hand side of JSGF rules):
 * ```
 *   word          a lower-case word (letters and apostrophes), as spelled in the pronouncing dictionary
 *   a b           sequence
 *   a | b         alternatives (at the top level or inside brackets)
 *   ( a | b )     group
 *   [ a | b ]     optional group
 *   {name}        a slot, defined by the skill as another template (e.g. {percent})
 * ```
 * Example: `(what's | what is) the time [right now]`, `set [the] volume to {percent} [percent]`.
 */

export type TemplateNode =
  | { kind: 'word'; word: string }
  | { kind: 'slot'; name: string }
  | { kind: 'choice'; options: TemplateNode[][]; optional: boolean };

/** A parsed template: a choice between sequences. */
export type Template = Extract<TemplateNode, { kind: 'choice' }>;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const TOKEN = /\s*(\(|\)|\[|\]|\||\{[a-z_]+\}|[a-z][a-z']*)/y;

/** Parses `source`; throws a TemplateError naming the position of the first syntax error. */
export function parseTemplate(source: string): Template {
  const tokens: { text: string; at: number }[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m) throw new TemplateError(`unexpected character at ${at} in template "${source}"`);
    tokens.push({ text: m[1] as string, at });
    at = TOKEN.lastIndex;
  }
  let pos = 0;
  const parseChoice = (close: string | undefined): TemplateNode[][] => {
    const options: TemplateNode[][] = [[]];
    for (;;) {
      const token = tokens[pos];
      if (token === undefined) {
        if (close !== undefined) throw new TemplateError(`missing "${close}" in template "${source}"`);
        break;
      }
      pos++;
      const current = options[options.length - 1] as TemplateNode[];
      if (token.text === close) break;
      if (token.text === '|') options.push([]);
      else if (token.text === '(' || token.text === '[') {
        const inner = parseChoice(token.text === '(' ? ')' : ']');
        current.push({ kind: 'choice', options: inner, optional: token.text === '[' });
      } else if (token.text === ')' || token.text === ']') {
        throw new TemplateError(`unbalanced "${token.text}" at ${token.at} in template "${source}"`);
      } else if (token.text.startsWith('{')) current.push({ kind: 'slot', name: token.text.slice(1, -1) });
      else current.push({ kind: 'word', word: token.text });
    }
    if (options.some((o) => o.length === 0)) throw new TemplateError(`empty alternative in template "${source}"`);
    return options;
  };
  const options = parseChoice(undefined);
  return { kind: 'choice', options, optional: false };
}

/** Every literal word of a template (slots excluded), as spelled in it. */
export function templateWords(template: TemplateNode, into = new Set<string>()): Set<string> {
  if (template.kind === 'word') into.add(template.word);
  else if (template.kind === 'choice') for (const option of template.options) for (const n of option) templateWords(n, into);
  return into;
}

/** Names of the slots a template refers to. */
export function templateSlots(template: TemplateNode, into = new Set<string>()): Set<string> {
  if (template.kind === 'slot') into.add(template.name);
  else if (template.kind === 'choice') for (const option of template.options) for (const n of option) templateSlots(n, into);
  return into;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The regular-expression source matching the template's sentences in normalised form (tokens each followed by one
 * space). Every slot becomes a capture group of one number token; `captures` receives the slot name of each group
 * in order.
 */
export function templateToRegexSource(template: TemplateNode, captures: string[]): string {
  if (template.kind === 'word') return normalizeTokens(template.word).map((t) => `${escapeRegex(t)} `).join('');
  if (template.kind === 'slot') {
    captures.push(template.name);
    return '(\\d+) ';
  }
  const body = template.options.map((o) => o.map((n) => templateToRegexSource(n, captures)).join('')).join('|');
  return template.optional ? `(?:${body})?` : `(?:${body})`;
}

/**
 * Every sentence of a template as word lists, slots expanded with their own templates. Lazy: callers sample or
 * stop early, since a template with a number slot has hundreds of sentences.
 */
export function* expandTemplate(
  template: TemplateNode,
  slots: Readonly<Record<string, Template>> = {},
): Generator<string[]> {
  if (template.kind === 'word') {
    yield [template.word];
    return;
  }
  if (template.kind === 'slot') {
    const slot = slots[template.name];
    if (!slot) throw new TemplateError(`unknown slot {${template.name}}`);
    yield* expandTemplate(slot, slots);
    return;
  }
  if (template.optional) yield [];
  for (const option of template.options) yield* expandSequence(option, slots);
}

function* expandSequence(seq: TemplateNode[], slots: Readonly<Record<string, Template>>): Generator<string[]> {
  const [head, ...rest] = seq;
  if (head === undefined) {
    yield [];
    return;
  }
  for (const first of expandTemplate(head, slots)) {
    for (const tail of expandSequence(rest, slots)) yield [...first, ...tail];
  }
}
