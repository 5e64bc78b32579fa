import type { NumberSlot, Skill } from './skill.js';

/** How much "louder" / "quieter" changes the volume, in percentage points. */
export const VOLUME_STEP = 10;

/** Percentages the recogniser listens for: 0..10, then steps of five up to one hundred. Typed text takes any 0..100. */
const PERCENT: NumberSlot = {
  spoken: [
    'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
    'fifteen', 'twenty', 'twenty five', 'thirty', 'thirty five', 'forty', 'forty five', 'fifty', 'fifty five',
    'sixty', 'sixty five', 'seventy', 'seventy five', 'eighty', 'eighty five', 'ninety', 'ninety five',
    '(one | a) hundred',
  ].join(' | '),
  min: 0,
  max: 100,
};

const clamp = (v: number): number => Math.max(0, Math.min(100, Math.round(v)));

export const volumeUpSkill: Skill = {
  name: 'volume_up',
  helpText: 'make it louder or quieter',
  templates: [
    '(turn | crank) (it | the volume | the sound) up',
    'turn up the (volume | sound)',
    '(volume | sound) up',
    '(increase | raise) the (volume | sound)',
    '[a bit | a little] louder',
    '[can you] (speak | talk) [a bit | a little] (louder | up)',
    'make it louder',
    "i can't hear you",
  ],
  answer: (_slots, context) => {
    const volume = clamp(context.volume + VOLUME_STEP);
    return { text: `Volume ${volume} percent.`, actions: [{ type: 'volume', volume }] };
  },
};

export const volumeDownSkill: Skill = {
  name: 'volume_down',
  templates: [
    'turn (it | the volume | the sound) down',
    'turn down the (volume | sound)',
    '(volume | sound) down',
    '(decrease | lower | reduce) the (volume | sound)',
    '[a bit | a little] (quieter | softer)',
    '[can you] (speak | talk) [a bit | a little] (quieter | softer | more quietly)',
    'make it (quieter | softer)',
    "(it's | that's | you're) too loud",
  ],
  answer: (_slots, context) => {
    const volume = clamp(context.volume - VOLUME_STEP);
    return { text: `Volume ${volume} percent.`, actions: [{ type: 'volume', volume }] };
  },
};

export const volumeSetSkill: Skill = {
  name: 'volume_set',
  helpText: 'set the volume to a percentage',
  slots: { percent: PERCENT },
  templates: [
    '(set | change | put | turn) [the] volume to {percent} [percent]',
    '(set | change | put | turn) it to {percent} percent',
    '[set] volume {percent} [percent]',
    'volume (at | to) {percent} [percent]',
  ],
  answer: (slots) => {
    const volume = clamp(slots.percent ?? 0);
    return { text: `Volume ${volume} percent.`, actions: [{ type: 'volume', volume }] };
  },
};

/** Silence: volume 0. */
export const volumeMuteSkill: Skill = {
  name: 'volume_mute',
  templates: ['mute [yourself | the sound]', '(turn | switch) (the sound | the volume) off'],
  answer: () => ({ text: '', actions: [{ type: 'volume', volume: 0 }] }),
};

/** Full volume: 100. */
export const volumeMaxSkill: Skill = {
  name: 'volume_max',
  templates: [
    '(maximum | max | full) volume',
    'turn it all the way up',
    '(set | turn) [the] volume to (maximum | max | full)',
  ],
  answer: () => ({ text: 'Volume 100 percent.', actions: [{ type: 'volume', volume: 100 }] }),
};
