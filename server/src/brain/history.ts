import type { HistoryMessage } from '../pipeline/providers.js';

/**
 * How much of the conversation an LLM sees. Characters rather than tokens: tokenizers differ per model and a
 * character budget is predictable; `approxTokens` converts (about 4 characters per token for English, fewer for
 * Polish: budget conservatively).
 */
export interface HistoryBudget {
  /** Most characters of earlier messages to send. 0 = none. */
  maxChars: number;
  /** Most earlier messages to send. */
  maxMessages: number;
}

export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The newest messages of `history` (oldest first, as given) that fit the budget, whole: a message is never cut, and
 * the kept window starts with a user message so that the model never sees an answer without its question.
 * Empty messages are skipped.
 */
export function fitHistory(history: readonly HistoryMessage[], budget: HistoryBudget): HistoryMessage[] {
  const kept: HistoryMessage[] = [];
  let chars = 0;
  for (let i = history.length - 1; i >= 0 && kept.length < budget.maxMessages; i--) {
    const message = history[i]!;
    const text = message.text.trim();
    if (!text) continue;
    if (chars + text.length > budget.maxChars) break;
    chars += text.length;
    kept.push({ role: message.role, text });
  }
  kept.reverse();
  while (kept.length > 0 && kept[0]!.role !== 'user') kept.shift();
  return kept;
}
