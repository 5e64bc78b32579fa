import { describe, expect, it } from 'vitest';
import { approxTokens, fitHistory } from './history.js';
import { LlmBrain } from './llm.js';

describe('history budget', () => {
  const h = [
    { role: 'user' as const, text: 'aaaa' },
    { role: 'assistant' as const, text: 'bbbb' },
    { role: 'user' as const, text: 'cccc' },
    { role: 'assistant' as const, text: 'dddd' },
  ];

  it('keeps the newest whole messages within the character budget, starting with a user message', () => {
    expect(fitHistory(h, { maxChars: 16, maxMessages: 10 })).toEqual(h);
    expect(fitHistory(h, { maxChars: 15, maxMessages: 10 })).toEqual(h.slice(2)); // 'bbbb' fits, but would open the window
    expect(fitHistory(h, { maxChars: 7, maxMessages: 10 })).toEqual([]);
    expect(fitHistory(h, { maxChars: 100, maxMessages: 3 })).toEqual(h.slice(2));
    expect(fitHistory(h, { maxChars: 0, maxMessages: 10 })).toEqual([]);
  });

  it('skips empty messages and trims', () => {
    expect(fitHistory([{ role: 'user', text: '  hi ' }, { role: 'assistant', text: ' ' }], { maxChars: 10, maxMessages: 10 })).toEqual([{ role: 'user', text: 'hi' }]);
  });

  it('approximates tokens as characters / 4', () => {
    expect(approxTokens('abcdefgh')).toBe(2);
    expect(approxTokens('abc')).toBe(1);
  });

  it('the LLM brain sends system prompt with the date, the fitted history, then the user words', () => {
    const brain = new LlmBrain({
      model: { name: 'm', model: 'm', stream: async function* () {} },
      systemPrompt: 'Be brief.',
      history: { maxChars: 8, maxMessages: 10 },
      timeZone: 'UTC',
    });
    const messages = brain.messages({ text: 'and now?', context: { volume: 50, now: new Date('2025-01-02T03:04:05Z'), history: h } });
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content).toMatch(/^Be brief\.\nCurrent date and time: Thursday, January 2, 2025 at 3:04 AM\.$/);
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'cccc' },
      { role: 'assistant', content: 'dddd' },
      { role: 'user', content: 'and now?' },
    ]);
  });
});
