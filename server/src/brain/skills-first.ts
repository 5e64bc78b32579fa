import type { Brain, BrainReply, BrainRequest } from '../pipeline/providers.js';
import { matchSkill, type CompiledSkill } from '../skills/index.js';

/**
 * Local skills answer first (in milliseconds, offline: time, volume, stop, …); everything else goes to `next`
 * (the LLM), with the same request and therefore the same history.
 */
export class SkillsFirstBrain implements Brain {
  constructor(
    private readonly skills: readonly CompiledSkill[],
    private readonly next: Brain,
  ) {}

  reply(request: BrainRequest, signal: AbortSignal): Promise<BrainReply> {
    const match = matchSkill(this.skills, request.text);
    if (!match) return this.next.reply(request, signal);
    const answer = match.skill.answer(match.slots, request.context);
    return Promise.resolve({ handler: match.skill.name, text: once(answer.text), actions: answer.actions });
  }
}

async function* once(text: string): AsyncGenerator<string> {
  if (text) yield text;
}
