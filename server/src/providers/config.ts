import { z } from 'zod';
import { parseRealtimePrices } from '../realtime/cost.js';
import { parsePrices, type Price } from './prices.js';

/**
 * Provider configuration from the environment. Every variable is listed once, with unit and default, in
 * docs/providers-env.md; this schema is the one place that parses them. Unset and empty mean the same.
 * Secrets (keys) are only checked for presence and never appear in error messages.
 */
const optionalText = z.string().min(1).optional();
const url = z.url({ message: 'must be a URL (http:// or https://)' });
const ms = (def: number) => z.coerce.number().int().min(0).max(600_000).default(def);
/** A yes/no variable: true, false, 1, 0, yes, no, on or off. */
const flag = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default(def ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** The reply language and voice gender when none is configured. */
export const DEFAULT_LANGUAGE = 'en-US';
export const DEFAULT_VOICE_GENDER = 'female';

const schema = z.object({
  PICHAT_STT: z.enum(['offline', 'azure', 'openai']).default('offline'),
  PICHAT_LLM: z.enum(['offline', 'openai', 'azure']).default('offline'),
  PICHAT_TTS: z.enum(['offline', 'azure', 'openai', 'elevenlabs']).default('offline'),
  PICHAT_LANGUAGE: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 tag like en-US or pl-PL').default(DEFAULT_LANGUAGE),
  PICHAT_STT_GRAMMAR_FIRST: flag(true),

  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: url.default('https://api.openai.com/v1'),
  PICHAT_LLM_BASE_URL: url.optional(),
  PICHAT_LLM_API_KEY: optionalText,
  PICHAT_LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  PICHAT_LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(8192).default(400),
  PICHAT_LLM_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  PICHAT_SYSTEM_PROMPT: optionalText,
  PICHAT_HISTORY_MAX_CHARS: z.coerce.number().int().min(0).max(1_000_000).default(6000),
  PICHAT_HISTORY_MAX_MESSAGES: z.coerce.number().int().min(0).max(1000).default(20),
  PICHAT_STT_BASE_URL: url.optional(),
  PICHAT_STT_API_KEY: optionalText,
  PICHAT_STT_MODEL: z.string().min(1).default('whisper-1'),
  PICHAT_TTS_BASE_URL: url.optional(),
  PICHAT_TTS_API_KEY: optionalText,
  PICHAT_TTS_MODEL: z.string().min(1).default('gpt-4o-mini-tts'),
  PICHAT_TTS_VOICE: z.string().min(1).default('alloy'),
  PICHAT_TTS_SPEED: z.coerce.number().min(0.25).max(4).optional(),

  AZURE_OPENAI_ENDPOINT: url.optional(),
  AZURE_OPENAI_KEY: optionalText,
  AZURE_OPENAI_DEPLOYMENT_GPT4: optionalText,
  AZURE_OPENAI_DEPLOYMENT_GPT35: optionalText,
  AZURE_OPENAI_API_VERSION: z.string().min(1).default('2024-10-21'),

  AZURE_SPEECH_KEY: optionalText,
  AZURE_SPEECH_REGION: z.string().regex(/^[a-z0-9]+$/, 'must be a region name like westeurope').optional(),
  AZURE_SPEECH_ENDPOINT: z.url({ message: 'must be a URL (wss://…)' }).optional(),
  AZURE_SPEECH_VOICE: optionalText,
  PICHAT_VOICE_GENDER: z.enum(['female', 'male']).default(DEFAULT_VOICE_GENDER),
  PICHAT_TTS_RATE: z.string().regex(/^([+-]\d{1,3}%|default)$/, 'must be like +10% or -5%').optional(),

  ELEVENLABS_API_KEY: optionalText,
  ELEVENLABS_VOICE_ID: z.string().min(1).default('21m00Tcm4TlvDq8ikWAM'),
  ELEVENLABS_MODEL_ID: z.string().min(1).default('eleven_flash_v2_5'),
  ELEVENLABS_BASE_URL: url.default('https://api.elevenlabs.io'),

  PICHAT_STT_TIMEOUT_MS: ms(8000),
  PICHAT_LLM_FIRST_TOKEN_TIMEOUT_MS: ms(10_000),
  PICHAT_LLM_IDLE_TIMEOUT_MS: ms(10_000),
  PICHAT_TTS_FIRST_CHUNK_TIMEOUT_MS: ms(5000),
  PICHAT_TTS_IDLE_TIMEOUT_MS: ms(5000),
  PICHAT_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  PICHAT_RETRY_BASE_MS: ms(300),
  PICHAT_RETRY_MAX_DELAY_MS: ms(3000),
  PICHAT_FALLBACK_COOLDOWN_MS: ms(30_000),

  PICHAT_VOICE_MODE: z.enum(['pipeline', 'realtime']).default('pipeline'),
  PICHAT_REALTIME_PROVIDER: z.enum(['openai', 'azure']).default('openai'),
  PICHAT_REALTIME_API_KEY: optionalText,
  PICHAT_REALTIME_BASE_URL: url.optional(),
  PICHAT_REALTIME_MODEL: z.string().min(1).default('gpt-realtime'),
  AZURE_OPENAI_REALTIME_DEPLOYMENT: optionalText,
  PICHAT_REALTIME_AZURE_API_VERSION: z.string().min(1).default('2025-04-01-preview'),
  PICHAT_REALTIME_FLAVOR: z.enum(['ga', 'beta']).optional(),
  PICHAT_REALTIME_VOICE: z.string().min(1).default('alloy'),
  PICHAT_REALTIME_INSTRUCTIONS: optionalText,
  PICHAT_REALTIME_TRANSCRIBE_MODEL: z.string().min(1).default('gpt-4o-mini-transcribe'),
  PICHAT_REALTIME_SKILLS: flag(true),
  PICHAT_REALTIME_CONNECT_TIMEOUT_MS: ms(10_000),
  PICHAT_REALTIME_RESPONSE_TIMEOUT_MS: ms(15_000),
  PICHAT_REALTIME_IDLE_TIMEOUT_MS: ms(10_000),
  PICHAT_REALTIME_TRANSCRIPT_WAIT_MS: ms(3000),
  PICHAT_REALTIME_PING_MS: ms(15_000),
  PICHAT_REALTIME_IDLE_CLOSE_MS: ms(300_000),
  PICHAT_REALTIME_RECONNECT_BASE_MS: ms(500),
  PICHAT_REALTIME_RECONNECT_MAX_MS: ms(30_000),
  PICHAT_REALTIME_FALLBACK_MS: ms(60_000),
  PICHAT_REALTIME_REFUSED_FALLBACK_MS: ms(600_000),
  PICHAT_REALTIME_PRICES: optionalText,

  PICHAT_PRICES: optionalText,
  PICHAT_PRICE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be a currency code like USD').default('USD'),
});

export type ProviderEnv = z.infer<typeof schema>;
export type ProviderConfig = ProviderEnv & { prices: Price[] };

export class ProviderConfigError extends Error {
  override name = 'ProviderConfigError';
}

/** The variables this module reads. */
export const PROVIDER_ENV_NAMES = Object.keys(schema.shape) as (keyof ProviderEnv)[];

/**
 * Parses and cross-checks the provider variables; throws a ProviderConfigError listing every problem, one per line,
 * naming variables, never echoing their values.
 */
export function loadProviderConfig(env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const known = Object.fromEntries(PROVIDER_ENV_NAMES.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(known);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  if (parsed.success) problems.push(...crossCheck(parsed.data));
  let prices: Price[] = [];
  try {
    prices = parsePrices(known.PICHAT_PRICES);
  } catch (err) {
    problems.push((err as Error).message);
  }
  try {
    parseRealtimePrices(known.PICHAT_REALTIME_PRICES);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ProviderConfigError(`invalid provider configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return { ...parsed.data, prices };
}

function crossCheck(c: ProviderEnv): string[] {
  const out: string[] = [];
  const needsOpenAiKey = (base: string | undefined): boolean => new URL(base ?? c.OPENAI_BASE_URL).hostname === 'api.openai.com';
  if (c.PICHAT_LLM === 'openai' && needsOpenAiKey(c.PICHAT_LLM_BASE_URL) && !(c.PICHAT_LLM_API_KEY ?? c.OPENAI_API_KEY)) {
    out.push('PICHAT_LLM=openai with api.openai.com needs PICHAT_LLM_API_KEY or OPENAI_API_KEY');
  }
  if (c.PICHAT_STT === 'openai' && needsOpenAiKey(c.PICHAT_STT_BASE_URL) && !(c.PICHAT_STT_API_KEY ?? c.OPENAI_API_KEY)) {
    out.push('PICHAT_STT=openai with api.openai.com needs PICHAT_STT_API_KEY or OPENAI_API_KEY');
  }
  if (c.PICHAT_TTS === 'openai' && needsOpenAiKey(c.PICHAT_TTS_BASE_URL) && !(c.PICHAT_TTS_API_KEY ?? c.OPENAI_API_KEY)) {
    out.push('PICHAT_TTS=openai with api.openai.com needs PICHAT_TTS_API_KEY or OPENAI_API_KEY');
  }
  if (c.PICHAT_LLM === 'azure') {
    if (!c.AZURE_OPENAI_ENDPOINT) out.push('PICHAT_LLM=azure needs AZURE_OPENAI_ENDPOINT');
    if (!c.AZURE_OPENAI_KEY) out.push('PICHAT_LLM=azure needs AZURE_OPENAI_KEY');
    if (!c.AZURE_OPENAI_DEPLOYMENT_GPT4 && !c.AZURE_OPENAI_DEPLOYMENT_GPT35) {
      out.push('PICHAT_LLM=azure needs AZURE_OPENAI_DEPLOYMENT_GPT4 or AZURE_OPENAI_DEPLOYMENT_GPT35');
    }
  }
  for (const stage of ['PICHAT_STT', 'PICHAT_TTS'] as const) {
    if (c[stage] !== 'azure') continue;
    if (!c.AZURE_SPEECH_KEY) out.push(`${stage}=azure needs AZURE_SPEECH_KEY`);
    if (!c.AZURE_SPEECH_REGION && !c.AZURE_SPEECH_ENDPOINT) out.push(`${stage}=azure needs AZURE_SPEECH_REGION or AZURE_SPEECH_ENDPOINT`);
  }
  if (c.PICHAT_TTS === 'elevenlabs' && !c.ELEVENLABS_API_KEY) out.push('PICHAT_TTS=elevenlabs needs ELEVENLABS_API_KEY');
  return [...new Set(out)];
}
