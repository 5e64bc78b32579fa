import { describe, expect, it } from 'vitest';
import { compileSkills, defaultSkills, matchSkill, normalizeText, sameSkill, wordEditDistance } from './index.js';
import { expandTemplate, parseTemplate, TemplateError } from './template.js';
import type { SkillContext } from './skill.js';

const compiled = compileSkills(defaultSkills({ timeZone: 'UTC' }));
const context: SkillContext = { volume: 50, now: new Date('2025-03-04T15:04:00Z'), lastReply: 'It is sunny.' };
const skillOf = (text: string): string | undefined => matchSkill(compiled, text)?.skill.name;
const answer = (text: string) => {
  const m = matchSkill(compiled, text);
  if (!m) throw new Error(`no skill for "${text}"`);
  return m.skill.answer(m.slots, context);
};

describe('normalisation', () => {
  it.each([
    ["What's the TIME?!", 'what is the time'],
    ['Set volume to 50%', 'set volume to 50 percent'],
    ['set volume to fifty percent', 'set volume to 50 percent'],
    ['twenty-five', '25'],
    ['one hundred', '100'],
    ['a hundred percent', '100 percent'],
    ['um, stop.', 'stop'],
    ['I can’t hear you', 'i can not hear you'],
    ['  ', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('skill matching: many phrasings', () => {
  it.each([
    ['time', ['what time is it', "What's the time?", 'what is the time right now', 'Can you tell me the time?', 'do you know what time it is', 'time please', 'current time', 'Hey, what time is it now?', 'how late is it']],
    ['date', ["what's the date", 'What is the date today?', 'what day is it', "today's date", 'which day is today', 'what day of the week is it', 'what year is it', 'tell me the date']],
    ['volume_up', ['volume up', 'Louder!', 'turn it up', 'turn up the volume', 'a bit louder please', 'increase the volume', 'speak louder', "I can't hear you"]],
    ['volume_down', ['volume down', 'quieter', 'turn it down', 'lower the volume', 'a little softer', "it's too loud", 'make it quieter']],
    ['volume_set', ['set the volume to 50%', 'set volume to fifty percent', 'Volume 30', 'turn the volume to twenty five', 'put it to 75 percent', 'change volume to 100 percent', 'set volume to zero']],
    ['volume_mute', ['mute', 'mute yourself', 'turn the sound off']],
    ['volume_max', ['full volume', 'max volume', 'turn it all the way up']],
    ['stop', ['stop', 'Stop!', 'cancel', 'cancel that', 'be quiet', 'never mind', 'shut up', "that's enough", 'stop talking']],
    ['repeat', ['repeat', 'repeat that', 'say that again', 'what did you say', 'Could you repeat that?', 'pardon', 'come again', 'one more time']],
    ['new_conversation', ['new conversation', 'start a new conversation', "let's start over", 'reset the conversation', 'forget everything', 'clear the history', 'change the subject']],
    ['help', ['what can you do', 'What can you do for me?', 'help', 'help me', 'what can I say', 'how does this work', 'what are your commands', 'what commands do you know']],
  ])('%s', (skill, phrasings) => {
    for (const p of phrasings) expect({ p, skill: skillOf(p) }).toEqual({ p, skill });
  });

  it('rejects what no skill knows, including near misses', () => {
    for (const p of [
      'play some jazz music',
      'tell me a joke about cats',
      'what time does the store close',
      'set an alarm for seven',
      'set the volume to 150 percent',
      'volume',
      'what is the weather',
      'stop the music in the kitchen',
      'time flies like an arrow',
      '',
      'the',
    ]) {
      expect({ p, skill: skillOf(p) }).toEqual({ p, skill: undefined });
    }
  });

  it('every sentence of every template matches its own skill (grammar and matcher agree)', () => {
    for (const c of compiled) {
      for (const t of c.templates) {
        let n = 0;
        for (const words of expandTemplate(t, c.slots)) {
          const text = words.join(' ');
          expect({ text, skill: skillOf(text) }).toEqual({ text, skill: c.skill.name });
          if (++n >= 300) break;
        }
      }
    }
  });
});

describe('skill answers', () => {
  it('time and date come from the context', () => {
    expect(answer('what time is it')).toEqual({ text: "It's 3:04 PM.", actions: [] });
    expect(answer('what is the date').text).toBe('Today is Tuesday, March 4, 2025.');
  });

  it('volume: up/down by ten, clamped; set to N percent', () => {
    expect(answer('louder').actions).toEqual([{ type: 'volume', volume: 60 }]);
    expect(answer('quieter').actions).toEqual([{ type: 'volume', volume: 40 }]);
    const m = matchSkill(compiled, 'volume up')!;
    expect(m.skill.answer(m.slots, { ...context, volume: 95 }).actions).toEqual([{ type: 'volume', volume: 100 }]);
    expect(answer('set the volume to twenty five percent').actions).toEqual([{ type: 'volume', volume: 25 }]);
    expect(answer('set volume to 37%').actions).toEqual([{ type: 'volume', volume: 37 }]);
    expect(answer('mute').actions).toEqual([{ type: 'volume', volume: 0 }]);
    expect(answer('max volume').actions).toEqual([{ type: 'volume', volume: 100 }]);
  });

  it('stop says nothing and stops; repeat says the last reply; new conversation confirms', () => {
    expect(answer('stop')).toEqual({ text: '', actions: [{ type: 'stop' }] });
    expect(answer('repeat that')).toEqual({ text: 'It is sunny.', actions: [] });
    const m = matchSkill(compiled, 'repeat')!;
    expect(m.skill.answer(m.slots, { volume: 50, now: new Date() }).text).toMatch(/haven't said/);
    const fresh = answer('new conversation');
    expect(fresh.actions).toEqual([{ type: 'new_conversation' }]);
    expect(fresh.text).not.toBe('');
  });

  it('help lists what the skills can do', () => {
    expect(answer('what can you do').text).toMatch(/time.*date.*volume.*repeat.*new conversation/);
  });

  it('sameSkill compares skill and slots', () => {
    const same = sameSkill(compiled);
    expect(same('turn it up', 'volume up')).toBe(true);
    expect(same('set volume to ten', 'set volume to twenty')).toBe(false);
    expect(same('play jazz', 'play jazz')).toBe(false);
  });

  it('sameSkill with a word budget also needs the words to be close', () => {
    const near = sameSkill(compiled, 2);
    expect(near('how does it work', 'how does this work')).toBe(true);
    expect(near('repeat yourself', 'repeat yourself thank you')).toBe(true);
    expect(near('turn it up', 'volume up')).toBe(true); // a substitution and a deletion
    expect(near('turn it up', 'increase the volume')).toBe(false); // three substitutions
    expect(near('set volume to ten', 'set volume to twenty')).toBe(false);
  });

  it('counts word edits', () => {
    expect(wordEditDistance('a b c', 'a b c')).toBe(0);
    expect(wordEditDistance('a b c', 'a x c')).toBe(1);
    expect(wordEditDistance('a b c', 'a c')).toBe(1);
    expect(wordEditDistance('', 'a b')).toBe(2);
    expect(wordEditDistance('what  time', 'what time is it')).toBe(2);
  });
});

describe('template syntax', () => {
  it('parses groups, options and slots, and expands them', () => {
    const t = parseTemplate("(what's | what is) the time [now]");
    expect([...expandTemplate(t)].map((w) => w.join(' '))).toEqual([
      "what's the time",
      "what's the time now",
      'what is the time',
      'what is the time now',
    ]);
  });

  it.each(['(a | b', 'a ]', 'a | | b', 'what 5', '[]'])('rejects %j', (bad) => {
    expect(() => parseTemplate(bad)).toThrow(TemplateError);
  });

  it('a skill using an undefined slot fails at compile time', () => {
    expect(() => compileSkills([{ name: 'x', templates: ['go to {place}'], answer: () => ({ text: '', actions: [] }) }])).toThrow(/slot/);
  });
});
