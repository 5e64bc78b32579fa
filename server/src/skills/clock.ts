import type { Skill } from './skill.js';

/** Options of the clock skills. */
export interface ClockOptions {
  /** IANA time zone to answer in; default: the server's zone. */
  timeZone?: string;
}

function parts(now: Date, timeZone: string | undefined, options: Intl.DateTimeFormatOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', { ...options, ...(timeZone ? { timeZone } : {}) });
  for (const p of format.formatToParts(now)) out[p.type] = p.value;
  return out;
}

/** "3:05 PM" as espeak-ng reads it well: "3 05 PM", "3 o'clock PM". */
export function spokenTime(now: Date, timeZone?: string): string {
  const p = parts(now, timeZone, { hour: 'numeric', minute: '2-digit', hour12: true });
  const minute = p.minute ?? '00';
  const period = (p.dayPeriod ?? '').toUpperCase();
  return minute === '00' ? `${p.hour} o'clock ${period}`.trim() : `${p.hour}:${minute} ${period}`.trim();
}

/** "Tuesday, March 4, 2025". */
export function spokenDate(now: Date, timeZone?: string): string {
  const p = parts(now, timeZone, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
  return `${p.weekday}, ${p.month} ${p.day}, ${p.year}`;
}

export function timeSkill(options: ClockOptions = {}): Skill {
  return {
    name: 'time',
    helpText: 'tell you the time',
    templates: [
      'what time is it [now | right now]',
      "(what's | what is) the [current] time [now | right now]",
      '[can you | could you] tell me the time',
      '(can you | could you) tell me what time it is',
      'do you know (the time | what time it is)',
      '[the] [current] time',
      'what time do you have',
      'how late is it',
    ],
    answer: (_slots, context) => ({ text: `It's ${spokenTime(context.now, options.timeZone)}.`, actions: [] }),
  };
}

export function dateSkill(options: ClockOptions = {}): Skill {
  return {
    name: 'date',
    helpText: 'tell you the date',
    templates: [
      "(what's | what is) [the] [today's] date [today]",
      "(what's | what is) today",
      'what (day | date) is (it | today) [today]',
      'what day of the (week | month) is it [today]',
      'which day is (it | today)',
      '(can you | could you) tell me the date',
      "tell me [the] [today's] date",
      "[today's] date",
      'what (month | year) is it',
    ],
    answer: (_slots, context) => ({ text: `Today is ${spokenDate(context.now, options.timeZone)}.`, actions: [] }),
  };
}
