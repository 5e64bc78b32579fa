import OpenAI, { AzureOpenAI } from 'openai';

/**
 * openai SDK clients for PiChat: the SDK's own retries are off (retry policy is ours, see policy/retry.ts) and its
 * logger is silent (on a malformed chunk it would log the chunk, which may hold reply text). `timeoutMs` is only a
 * backstop; per-stage limits come from policy/timeout.ts.
 */
export interface OpenAiClientOptions {
  /** e.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), http://host:8000/v1 (vLLM). */
  baseUrl: string;
  /** Local servers accept any key; the SDK needs a non-empty one. */
  apiKey?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createOpenAiClient(options: OpenAiClientOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseUrl,
    apiKey: options.apiKey || 'not-needed',
    maxRetries: 0,
    timeout: options.timeoutMs ?? 120_000,
    logLevel: 'off',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export interface AzureOpenAiClientOptions {
  /** https://<resource>.openai.azure.com */
  endpoint: string;
  apiKey: string;
  deployment: string;
  apiVersion: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createAzureOpenAiClient(options: AzureOpenAiClientOptions): OpenAI {
  return new AzureOpenAI({
    endpoint: options.endpoint,
    apiKey: options.apiKey,
    deployment: options.deployment,
    apiVersion: options.apiVersion,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 120_000,
    logLevel: 'off',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
