import { describe, expect, it } from 'vitest';
import type { BrainReply, BrainRequest } from '../pipeline/providers.js';
import { compileSkills, defaultSkills } from '../skills/index.js';
import { createLocalBrain, FALLBACK_REPLY } from './local.js';

const context: BrainRequest['context'] = { volume: 40, now: new Date('2025-03-04T15:04:00Z'), lastReply: 'Volume 50 percent.' };

async function ask(text: string, ctx = context) {
  const reply: BrainReply = await createLocalBrain({ skills: defaultSkills({ timeZone: 'UTC' }) }).reply({ text, context: ctx }, new AbortController().signal);
  let said = '';
  for await (const delta of reply.text) said += delta;
  return { handler: reply.handler, said, actions: reply.actions };
}

describe('local brain', () => {
  it('answers with the skills first', async () => {
    expect(await ask('What time is it?')).toEqual({ handler: 'time', said: "It's 3:04 PM.", actions: [] });
    expect(await ask('set the volume to 80%')).toEqual({ handler: 'volume_set', said: 'Volume 80 percent.', actions: [{ type: 'volume', volume: 80 }] });
    expect(await ask('louder')).toMatchObject({ handler: 'volume_up', actions: [{ type: 'volume', volume: 50 }] });
  });

  it('stop: no words, a stop action', async () => {
    expect(await ask('stop')).toEqual({ handler: 'stop', said: '', actions: [{ type: 'stop' }] });
  });

  it('repeat uses the last reply', async () => {
    expect(await ask('say that again')).toEqual({ handler: 'repeat', said: 'Volume 50 percent.', actions: [] });
  });

  it('new conversation: the action and a confirmation', async () => {
    const r = await ask("let's start over");
    expect(r.handler).toBe('new_conversation');
    expect(r.actions).toEqual([{ type: 'new_conversation' }]);
    expect(r.said.length).toBeGreaterThan(0);
  });

  it('anything else: what works offline and how to configure an LLM', async () => {
    const r = await ask('play some jazz music');
    expect(r).toEqual({ handler: 'fallback', said: FALLBACK_REPLY, actions: [] });
    expect(r.said).toMatch(/PICHAT_LLM_BASE_URL/);
    expect(r.said).toMatch(/time/);
  });

  it('accepts compiled skills (shared with the recogniser) and honours an aborted signal', async () => {
    const brain = createLocalBrain({ skills: compileSkills(defaultSkills()) });
    expect((await brain.reply({ text: 'help', context }, new AbortController().signal)).handler).toBe('help');
    await expect(brain.reply({ text: 'help', context }, AbortSignal.abort())).rejects.toThrow();
  });
});
