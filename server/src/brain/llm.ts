import type { Brain, BrainReply, BrainRequest } from '../pipeline/providers.js';
import type { ChatMessage, ChatModel } from '../providers/llm/chat-model.js';
import { fitHistory, type HistoryBudget } from './history.js';

/** Default system prompt: replies are spoken, so short plain sentences. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are PiChat, a voice assistant on a small speaker. Your replies are read aloud: answer in one to three short ' +
  'sentences of plain text, without lists, markdown, emoji or URLs. Reply in the language the user speaks.';

export interface LlmBrainOptions {
  model: ChatModel;
  systemPrompt?: string;
  history: HistoryBudget;
  /** Locale for the date line of the system prompt. Default en-US. */
  locale?: string;
  /** IANA time zone for the date line. Default: the server's. */
  timeZone?: string;
}

/**
 * A brain that asks a chat model: system prompt (plus the current date and time, which a model does not know),
 * the conversation's history within its budget, then the user's words. The reply text streams as the model writes
 * it; failures surface from the iteration as ProviderErrors. No actions: device control stays with the skills.
 */
export class LlmBrain implements Brain {
  constructor(private readonly options: LlmBrainOptions) {}

  reply(request: BrainRequest, signal: AbortSignal): Promise<BrainReply> {
    const text = this.options.model.stream(this.messages(request), signal);
    return Promise.resolve({ handler: 'llm', text, actions: [] });
  }

  /** The messages sent for `request` (exported for tests and /model-info previews). */
  messages(request: BrainRequest): ChatMessage[] {
    const when = request.context.now.toLocaleString(this.options.locale ?? 'en-US', {
      dateStyle: 'full',
      timeStyle: 'short',
      ...(this.options.timeZone ? { timeZone: this.options.timeZone } : {}),
    });
    const system = `${this.options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT}\nCurrent date and time: ${when}.`;
    const history = fitHistory(request.context.history ?? [], this.options.history);
    return [
      { role: 'system', content: system },
      ...history.map((m): ChatMessage => ({ role: m.role, content: m.text })),
      { role: 'user', content: request.text },
    ];
  }
}
