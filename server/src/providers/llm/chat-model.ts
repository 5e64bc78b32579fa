/**
 * The seam between the LLM brain and a chat-completions provider: messages in, text deltas out. Smaller than
 * `Brain` so that retry and timeout wrappers can work on it (they need to see the first delta).
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatModel {
  /** Provider name, e.g. `openai-chat`, `azure-openai`. */
  readonly name: string;
  /** Model or deployment name, for /model-info and usage. */
  readonly model: string;
  /**
   * Streams the reply's text deltas. Nothing happens until it is iterated. When `signal` aborts, the HTTP request
   * is closed at once and the iteration ends (with an AbortError). Failures are ProviderErrors.
   */
  stream(messages: readonly ChatMessage[], signal: AbortSignal): AsyncIterable<string>;
}
