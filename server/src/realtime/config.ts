import type { ProviderConfig } from '../providers/config.js';
import { parseRealtimePrices, type RealtimePrices } from './cost.js';
import type { RealtimeFlavor } from './events.js';

/** Realtime mode as configured by the environment (docs/realtime.md lists every variable with unit and default). */
export interface RealtimeSetup {
  /** Default mode of turns when the settings do not choose one. */
  defaultMode: 'pipeline' | 'realtime';
  provider: 'openai' | 'azure';
  apiKey: string | undefined;
  /** OpenAI API base, or the Azure resource endpoint. */
  baseUrl: string;
  azureApiVersion: string;
  /** OpenAI model, or Azure deployment name. */
  model: string;
  flavor: RealtimeFlavor;
  voice: string;
  instructions: string | undefined;
  transcribeModel: string;
  language: string;
  skills: boolean;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  idleTimeoutMs: number;
  transcriptWaitMs: number;
  pingIntervalMs: number;
  idleCloseMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  fallbackMs: number;
  refusedFallbackMs: number;
  prices: RealtimePrices;
  /** Why realtime mode cannot run as configured (no key, no deployment), or undefined when it can. */
  unavailable: string | undefined;
}

export const DEFAULT_INSTRUCTIONS =
  'You are PiChat, a friendly voice assistant on a small speaker. Answer briefly, in one to three spoken sentences, ' +
  'in the language the user speaks. Do not use lists, markdown or emoji.';

/** Derives the realtime setup from the parsed provider configuration. Pure. */
export function realtimeSetup(c: ProviderConfig): RealtimeSetup {
  const azure = c.PICHAT_REALTIME_PROVIDER === 'azure';
  const apiKey = c.PICHAT_REALTIME_API_KEY ?? (azure ? c.AZURE_OPENAI_KEY : c.OPENAI_API_KEY);
  const baseUrl = azure ? (c.AZURE_OPENAI_ENDPOINT ?? '') : (c.PICHAT_REALTIME_BASE_URL ?? c.OPENAI_BASE_URL);
  let unavailable: string | undefined;
  if (azure) {
    if (!c.AZURE_OPENAI_ENDPOINT) unavailable = 'no Azure OpenAI endpoint is configured (AZURE_OPENAI_ENDPOINT)';
    else if (!apiKey) unavailable = 'no API key is configured (PICHAT_REALTIME_API_KEY or AZURE_OPENAI_KEY)';
    else if (!c.AZURE_OPENAI_REALTIME_DEPLOYMENT) unavailable = 'no realtime deployment is configured (AZURE_OPENAI_REALTIME_DEPLOYMENT)';
  } else if (!apiKey) {
    unavailable = 'no API key is configured (PICHAT_REALTIME_API_KEY or OPENAI_API_KEY)';
  }
  return {
    defaultMode: c.PICHAT_VOICE_MODE,
    provider: c.PICHAT_REALTIME_PROVIDER,
    apiKey,
    baseUrl,
    azureApiVersion: c.PICHAT_REALTIME_AZURE_API_VERSION,
    model: azure ? (c.AZURE_OPENAI_REALTIME_DEPLOYMENT ?? '') : c.PICHAT_REALTIME_MODEL,
    flavor: c.PICHAT_REALTIME_FLAVOR ?? (azure ? 'beta' : 'ga'),
    voice: c.PICHAT_REALTIME_VOICE,
    instructions: c.PICHAT_REALTIME_INSTRUCTIONS,
    transcribeModel: c.PICHAT_REALTIME_TRANSCRIBE_MODEL,
    language: c.PICHAT_LANGUAGE,
    skills: c.PICHAT_REALTIME_SKILLS,
    connectTimeoutMs: c.PICHAT_REALTIME_CONNECT_TIMEOUT_MS,
    responseTimeoutMs: c.PICHAT_REALTIME_RESPONSE_TIMEOUT_MS,
    idleTimeoutMs: c.PICHAT_REALTIME_IDLE_TIMEOUT_MS,
    transcriptWaitMs: c.PICHAT_REALTIME_TRANSCRIPT_WAIT_MS,
    pingIntervalMs: c.PICHAT_REALTIME_PING_MS,
    idleCloseMs: c.PICHAT_REALTIME_IDLE_CLOSE_MS,
    reconnectBaseMs: c.PICHAT_REALTIME_RECONNECT_BASE_MS,
    reconnectMaxMs: c.PICHAT_REALTIME_RECONNECT_MAX_MS,
    fallbackMs: c.PICHAT_REALTIME_FALLBACK_MS,
    refusedFallbackMs: c.PICHAT_REALTIME_REFUSED_FALLBACK_MS,
    prices: parseRealtimePrices(c.PICHAT_REALTIME_PRICES, c.PICHAT_PRICE_CURRENCY),
    unavailable,
  };
}
