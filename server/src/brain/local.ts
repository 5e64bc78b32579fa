import type { Brain, BrainReply, BrainRequest } from '../pipeline/providers.js';
import { defaultSkills } from '../skills/index.js';
import { compileSkills, matchSkill, type CompiledSkill, type Skill } from '../skills/skill.js';

/** What the fallback says when no skill matches and no LLM is configured. */
export const FALLBACK_REPLY =
  "Sorry, I can only do a few things offline: ask me the time or the date, change the volume, say stop, repeat, " +
  'or start a new conversation. For anything else, connect a language model: set PICHAT_LLM and PICHAT_LLM_BASE_URL, as the README shows.';

export interface LocalBrainOptions {
  /** Skills in match order (default `defaultSkills()`); or already compiled, to share with the recogniser. */
  skills?: readonly Skill[] | readonly CompiledSkill[];
  /** Reply when nothing matches (default FALLBACK_REPLY). */
  fallbackText?: string;
}

/**
 * The embedded brain: answers with the first local skill whose template matches the whole request, else with a short
 * fallback saying what works offline and how to configure an LLM. `handler` is the skill name or "fallback".
 * Pure and instant: no I/O, the time comes from the request context.
 */
export function createLocalBrain(options: LocalBrainOptions = {}): Brain & { skills: readonly CompiledSkill[] } {
  const given = options.skills ?? defaultSkills();
  const compiled = isCompiled(given) ? given : compileSkills(given);
  const fallbackText = options.fallbackText ?? FALLBACK_REPLY;
  return {
    skills: compiled,
    async reply(request: BrainRequest, signal: AbortSignal): Promise<BrainReply> {
      signal.throwIfAborted();
      const match = matchSkill(compiled, request.text);
      if (!match) return { handler: 'fallback', text: once(fallbackText), actions: [] };
      const answer = match.skill.answer(match.slots, request.context);
      return { handler: match.skill.name, text: once(answer.text), actions: answer.actions };
    },
  };
}

function isCompiled(list: readonly Skill[] | readonly CompiledSkill[]): list is readonly CompiledSkill[] {
  return list.length > 0 && 'patterns' in (list[0] as object);
}

/** The whole reply as one delta; nothing for an empty reply. */
async function* once(text: string): AsyncGenerator<string> {
  if (text !== '') yield text;
}
