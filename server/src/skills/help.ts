import type { Skill } from './skill.js';

/**
 * "What can you do": lists what the other skills advertise (their `helpText`). Built from the skill list so that
 * adding a skill updates the answer.
 */
export function helpSkill(others: readonly Skill[]): Skill {
  const abilities = others.map((s) => s.helpText).filter((t): t is string => t !== undefined);
  const list =
    abilities.length <= 1
      ? (abilities[0] ?? 'not much yet')
      : `${abilities.slice(0, -1).join(', ')}, or ${abilities[abilities.length - 1] as string}`;
  return {
    name: 'help',
    templates: [
      'what can you do [for me]',
      'what (can | should) i (say | ask [you])',
      'what (do | can) you know',
      'help [me]',
      'i need help',
      'how (do | does) (this | it) work',
      'how do i use (this | you)',
      'what are your (skills | commands)',
      'what (commands | skills) do you (know | have | understand)',
      'what are you able to do',
    ],
    answer: () => ({ text: `I can ${list}.`, actions: [] }),
  };
}
