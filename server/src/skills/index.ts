import { dateSkill, timeSkill, type ClockOptions } from './clock.js';
import { newConversationSkill, repeatSkill, stopSkill } from './control.js';
import { helpSkill } from './help.js';
import type { Skill } from './skill.js';
import { volumeDownSkill, volumeMaxSkill, volumeMuteSkill, volumeSetSkill, volumeUpSkill } from './volume.js';

export type { Skill, SkillAnswer, SkillContext, SkillMatch, CompiledSkill, NumberSlot } from './skill.js';
export { compileSkills, matchSkill, sameSkill, wordEditDistance, COMMAND_WRAPPER } from './skill.js';
export { normalizeText, normalizeTokens } from './normalize.js';
export type { ClockOptions } from './clock.js';

/**
 * The local skills in match order (first match wins): time, date, volume, stop, repeat, new conversation, help.
 * A new list per call: skills are plain values, so callers may filter or extend it.
 */
export function defaultSkills(options: ClockOptions = {}): Skill[] {
  const skills: Skill[] = [
    timeSkill(options),
    dateSkill(options),
    volumeUpSkill,
    volumeDownSkill,
    volumeSetSkill,
    volumeMuteSkill,
    volumeMaxSkill,
    stopSkill,
    repeatSkill,
    newConversationSkill,
  ];
  return [...skills, helpSkill(skills)];
}
