import type OpenAI from 'openai';
import type { Logger } from '@pichat/shared';
import { isAbortError, toProviderError } from '../errors.js';
import { abortError } from '../signals.js';
import { reportUsage, type UsageSink } from '../usage.js';
import type { ChatMessage, ChatModel } from './chat-model.js';

export interface OpenAiChatOptions {
  /** An OpenAI or AzureOpenAI client from clients.ts (retries off). */
  client: OpenAI;
  /** Model name (OpenAI-compatible servers) or deployment name (Azure). */
  model: string;
  /** Provider name for errors, usage and /model-info. Default `openai-chat`. */
  name?: string;
  /** Upper bound of reply tokens; spoken replies are short. Default 400. */
  maxTokens?: number;
  temperature?: number;
  onUsage?: UsageSink;
  logger?: Logger;
}

/**
 * Chat Completions with `stream: true` (OpenAI, Azure OpenAI, Ollama, llama.cpp server, vLLM, LM Studio, Groq).
 * Yields content deltas as the SSE events arrive. Aborting `signal` (or stopping the iteration) closes the HTTP
 * request at once. Token usage comes from the final chunk (`stream_options.include_usage`); servers that do not
 * send it get an estimate (characters / 4).
 */
export class OpenAiChatModel implements ChatModel {
  readonly name: string;
  readonly model: string;

  constructor(private readonly options: OpenAiChatOptions) {
    this.name = options.name ?? 'openai-chat';
    this.model = options.model;
  }

  async *stream(messages: readonly ChatMessage[], signal: AbortSignal): AsyncGenerator<string> {
    if (signal.aborted) throw abortError();
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    let outputChars = 0;
    let answering = false; // the request was accepted: from then on it is billed, even if the stream breaks
    let refused = false;
    try {
      const stream = await this.options.client.chat.completions.create(
        {
          model: this.model,
          messages: messages.map((m) => ({ role: m.role, content: m.content })),
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: this.options.maxTokens ?? 400,
          ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
        },
        { signal: controller.signal },
      );
      answering = true;
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) {
          outputChars += delta.length;
          yield delta;
        }
      }
      // The SDK ends an aborted stream quietly; a cut-short reply must not look complete.
      if (signal.aborted) throw abortError();
    } catch (err) {
      if (signal.aborted || isAbortError(err)) throw abortError();
      refused = !answering; // an error answer is not billed: no usage for it (a retry asks again)
      throw toProviderError(err, this.name);
    } finally {
      signal.removeEventListener('abort', onAbort);
      controller.abort(); // a consumer that stopped early (barge-in) closes the connection now
      const inputChars = messages.reduce((n, m) => n + m.content.length, 0);
      if (!refused) reportUsage(
        this.options.onUsage,
        usage
          ? { provider: this.name, model: this.model, kind: 'tokens', input: usage.prompt_tokens, output: usage.completion_tokens }
          : { provider: this.name, model: this.model, kind: 'tokens', input: Math.ceil(inputChars / 4), output: Math.ceil(outputChars / 4), estimated: true },
        signal,
        this.options.logger,
      );
    }
  }
}
