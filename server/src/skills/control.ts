import type { Skill } from './skill.js';

/** Stops the current reply: says nothing and asks the session to stop. */
export const stopSkill: Skill = {
  name: 'stop',
  helpText: 'stop talking when you say stop',
  templates: [
    'stop [it | that | talking | now | please]',
    'cancel [it | that | this]',
    '(be | keep) quiet',
    'quiet',
    'shut up',
    'silence',
    '(never mind | forget it)',
    "(that's | that is) enough",
    'enough',
    'stop stop',
  ],
  answer: () => ({ text: '', actions: [{ type: 'stop' }] }),
};

/** Says the last reply again. */
export const repeatSkill: Skill = {
  name: 'repeat',
  helpText: 'repeat my last answer',
  templates: [
    'repeat [that | it | yourself | the last answer | your last answer]',
    '[can you | could you] (say | repeat) (that | it) again',
    '(can you | could you) repeat (that | it | yourself)',
    'what did you (say | just say)',
    'come again',
    'pardon [me]',
    'sorry what did you say',
    'say again',
    'one more time',
  ],
  answer: (_slots, context) => {
    const last = context.lastReply?.trim();
    return last
      ? { text: last, actions: [] }
      : { text: "I haven't said anything yet.", actions: [] };
  },
};

/** Forgets the conversation so far. */
export const newConversationSkill: Skill = {
  name: 'new_conversation',
  helpText: 'start a new conversation',
  templates: [
    "[let's] (start | begin) a new conversation",
    'new conversation',
    "[let's] start (over | again | from scratch)",
    'reset [the | our] conversation',
    '(clear | forget) [the | our] (conversation | history | chat)',
    'forget everything',
    "[let's] (talk about something else | change the subject)",
    'new (topic | chat)',
  ],
  answer: () => ({ text: "OK, let's start a new conversation.", actions: [{ type: 'new_conversation' }] }),
};
