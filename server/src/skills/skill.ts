import type { BrainAction, BrainRequest } from '../pipeline/providers.js';
import { normalizeText } from './normalize.js';
import { parseTemplate, templateSlots, templateToRegexSource, type Template } from './template.js';

/** A numeric slot of a skill's templates, e.g. `{percent}`. */
export interface NumberSlot {
  /** What the recogniser listens for, as a template (e.g. `zero | five | ten | ... | one hundred`). */
  spoken: string;
  /** Inclusive range a typed or spoken value must fall in for the template to match. */
  min: number;
  max: number;
}

export type SkillContext = BrainRequest['context'];

/** What a skill says and does. `text` may be empty (e.g. "stop"). */
export interface SkillAnswer {
  text: string;
  actions: BrainAction[];
}

/**
 * A local skill: a name, the sentences it understands (templates, see `template.ts`) and a pure answer function.
 * Skills do no I/O; the time comes from the context, so tests pin it.
 */
export interface Skill {
  readonly name: string;
  readonly templates: readonly string[];
  readonly slots?: Readonly<Record<string, NumberSlot>>;
  /** One sentence for the help answer, e.g. "ask what time it is". Omitted skills are not advertised. */
  readonly helpText?: string;
  answer(slots: Readonly<Record<string, number>>, context: SkillContext): SkillAnswer;
}

export interface SkillMatch {
  skill: Skill;
  slots: Record<string, number>;
}

/** Words a command may be wrapped in; part of every template so grammar and matcher agree. */
export const COMMAND_WRAPPER = { prefix: '[please | ok | hey]', suffix: '[please | thanks | thank you]' } as const;

/** A skill with its templates parsed and compiled; what the matcher and the grammar generator work from. */
export interface CompiledSkill {
  skill: Skill;
  /** Each template wrapped in COMMAND_WRAPPER. */
  templates: Template[];
  slots: Record<string, Template & { min: number; max: number }>;
  patterns: { regex: RegExp; captures: string[] }[];
}

/** Parses and compiles every template; throws (TemplateError, or Error for an undefined slot) on a broken skill. */
export function compileSkills(skills: readonly Skill[]): CompiledSkill[] {
  const names = new Set<string>();
  return skills.map((skill) => {
    if (names.has(skill.name)) throw new Error(`duplicate skill name "${skill.name}"`);
    names.add(skill.name);
    const slots: CompiledSkill['slots'] = {};
    for (const [name, slot] of Object.entries(skill.slots ?? {})) {
      slots[name] = { ...parseTemplate(slot.spoken), min: slot.min, max: slot.max };
    }
    const templates = skill.templates.map((source) =>
      parseTemplate(`${COMMAND_WRAPPER.prefix} (${source}) ${COMMAND_WRAPPER.suffix}`),
    );
    for (const t of templates) {
      for (const slot of templateSlots(t)) {
        if (!slots[slot]) throw new Error(`skill "${skill.name}" uses undefined slot {${slot}}`);
      }
    }
    const patterns = templates.map((t) => {
      const captures: string[] = [];
      const source = templateToRegexSource(t, captures);
      return { regex: new RegExp(`^${source}$`), captures };
    });
    return { skill, templates, slots, patterns };
  });
}

/**
 * Finds the first skill (in list order) with a template matching `text` as a whole sentence, tolerant of case,
 * punctuation, contractions and numbers written as digits. Returns undefined when nothing matches, including when a
 * number is outside its slot's range.
 */
export function matchSkill(compiled: readonly CompiledSkill[], text: string): SkillMatch | undefined {
  const normalized = normalizeText(text);
  if (normalized === '') return undefined;
  const subject = `${normalized} `;
  for (const c of compiled) {
    for (const { regex, captures } of c.patterns) {
      const m = regex.exec(subject);
      if (!m) continue;
      const slots: Record<string, number> = {};
      let inRange = true;
      captures.forEach((name, i) => {
        const raw = m[i + 1];
        if (raw === undefined || name in slots) return;
        const value = Number(raw);
        const slot = c.slots[name];
        if (!slot || value < slot.min || value > slot.max) inRange = false;
        slots[name] = value;
      });
      if (inRange) return { skill: c.skill, slots };
    }
  }
  return undefined;
}

/**
 * A predicate "these two texts ask for the same thing" (same skill and same slot values; neither unmatched), e.g.
 * for comparing two recognition passes. With `maxWordEdits`, their words must also differ by at most that many
 * insertions, deletions or substitutions ("how does it work" / "how does this work": one).
 */
export function sameSkill(compiled: readonly CompiledSkill[], maxWordEdits = Infinity): (a: string, b: string) => boolean {
  const key = (text: string): string | undefined => {
    const m = matchSkill(compiled, text);
    return m ? `${m.skill.name} ${JSON.stringify(m.slots)}` : undefined;
  };
  return (a, b) => {
    const ka = key(a);
    if (ka === undefined || ka !== key(b)) return false;
    return maxWordEdits === Infinity || wordEditDistance(a, b) <= maxWordEdits;
  };
}

/** Levenshtein distance between two texts counted in words (split on white space). */
export function wordEditDistance(a: string, b: string): number {
  const x = a.split(/\s+/).filter(Boolean);
  const y = b.split(/\s+/).filter(Boolean);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitute = (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, substitute));
    }
    previous = row;
  }
  return previous[y.length] as number;
}
