import type { Logger } from '@pichat/shared';
import type { Brain, SpeechToText, TextToSpeech } from '../pipeline/providers.js';
import { fallbackBrain } from '../brain/fallback.js';
import { LlmBrain } from '../brain/llm.js';
import { SkillsFirstBrain } from '../brain/skills-first.js';
import { compileSkills, defaultSkills, type CompiledSkill } from '../skills/index.js';
import type { AzureSpeechPorts } from './azure/ports.js';
import { sdkSpeechPorts } from './azure/sdk.js';
import { loadProviderConfig, type ProviderConfig } from './config.js';
import { ProviderError } from './errors.js';
import type { ChatModel } from './llm/chat-model.js';
import { createAzureOpenAiClient, createOpenAiClient } from './llm/clients.js';
import { OpenAiChatModel } from './llm/openai-chat.js';
import { fallbackStt, fallbackTts } from './policy/fallback.js';
import { retryingChat, retryingStt, retryingTts, type RetryPolicy } from './policy/retry.js';
import { timeoutChat, timeoutStt, timeoutTts } from './policy/timeout.js';
import { AzureSpeechStt } from './stt/azure-speech-stt.js';
import { grammarFirstStt } from './stt/grammar-first.js';
import { OpenAiTranscriptionStt } from './stt/openai-transcribe.js';
import { AzureSpeechTts } from './tts/azure-speech-tts.js';
import { ElevenLabsTts } from './tts/elevenlabs.js';
import { OpenAiSpeechTts } from './tts/openai-speech.js';
import { selectVoice, type VoiceGender } from './tts/voices.js';
import type { UsageSink } from './usage.js';

/** The embedded providers that work without a network: grammar STT, local skills brain, espeak-ng. */
export interface OfflineProviders {
  stt: SpeechToText;
  brain: Brain;
  tts: TextToSpeech;
}

export interface ProviderDeps {
  /** The offline providers: the default of every stage and the fallback of every cloud one. */
  offline: OfflineProviders;
  /** Skills answered before the LLM (default: compileSkills(defaultSkills())). */
  skills?: readonly CompiledSkill[];
  /** Receives usage records (see usage.ts). */
  onUsage?: UsageSink;
  logger?: Logger;
  /** Azure Speech SDK ports (default: the real SDK with AZURE_SPEECH_* credentials); tests pass stand-ins. */
  azurePorts?: AzureSpeechPorts;
  /** fetch for every HTTP provider and the probes (default: global fetch). */
  fetch?: typeof fetch;
}

/** What /model-info and /health show about one stage. No keys, no paths with secrets: the origin only. */
export interface StageDescription {
  provider: string;
  model?: string;
  /** Origin of the service (scheme://host:port), or undefined for an embedded provider. */
  endpoint?: string;
  /** What answers when this provider fails. */
  fallback?: string;
}

export interface ProvidersDescription {
  stt: StageDescription;
  brain: StageDescription;
  tts: StageDescription;
  language: string;
}

export interface StageReachability {
  reachable: boolean;
  /** Round trip of the probe, ms. */
  latencyMs?: number;
  /** Provider error code when unreachable. */
  error?: string;
}

export interface Providers extends OfflineProviders {
  description: ProvidersDescription;
  /**
   * The configured cloud TTS speaking with the voice for `locale` and `gender` (a request naming a voice), wrapped
   * as `tts` is; undefined when the configured TTS cannot change its voice per request (offline: see offline.ts's
   * `voiced`; OpenAI and ElevenLabs keep the voice they were configured with).
   */
  voiced(choice: { locale: string; gender: VoiceGender }): TextToSpeech | undefined;
  /** Checks that each configured service answers at all (any HTTP status counts), within `timeoutMs` (default 3000). */
  probe(timeoutMs?: number): Promise<Record<'stt' | 'brain' | 'tts', StageReachability>>;
  /** Releases long-lived resources (the reused Azure synthesizer). */
  close(): Promise<void>;
}

/**
 * Builds the three providers from the environment, each cloud or LAN provider wrapped in its policy:
 *
 * ```
 * stt   = grammarFirst(offline.stt, retry(timeout(cloud)))   English, PICHAT_STT_GRAMMAR_FIRST (default)
 *       | fallback(retry(timeout(cloud)), offline.stt)       otherwise
 * brain = skillsFirst(skills, fallback(llm(retry(timeout(chat))), offline.brain))
 * tts   = fallback(retry(timeout(cloud)), offline.tts)
 * ```
 * With no variables set every stage is the offline provider. Throws a ProviderConfigError for a bad environment.
 */
export function createProviders(env: NodeJS.ProcessEnv | ProviderConfig, deps: ProviderDeps): Providers {
  const config = isConfig(env) ? env : loadProviderConfig(env);
  const { offline, logger } = deps;
  const retry: RetryPolicy = {
    retries: config.PICHAT_RETRIES,
    baseDelayMs: config.PICHAT_RETRY_BASE_MS,
    maxDelayMs: config.PICHAT_RETRY_MAX_DELAY_MS,
    onRetry: ({ attempt, delayMs, error }) => logger?.warn('provider retry', { provider: error.provider, code: error.code, attempt, delayMs }),
  };
  const onFallback = ({ primary, fallback, error }: { primary: string; fallback: string; error: unknown }): void =>
    logger?.warn('provider fallback', { primary, fallback, code: (error as ProviderError | null)?.code ?? 'error' });
  const common = { ...(deps.onUsage ? { onUsage: deps.onUsage } : {}), ...(logger ? { logger } : {}) };
  let azurePorts = deps.azurePorts;
  const ports = (): AzureSpeechPorts =>
    (azurePorts ??= sdkSpeechPorts({
      key: config.AZURE_SPEECH_KEY ?? '',
      ...(config.AZURE_SPEECH_REGION ? { region: config.AZURE_SPEECH_REGION } : {}),
      ...(config.AZURE_SPEECH_ENDPOINT ? { endpoint: config.AZURE_SPEECH_ENDPOINT } : {}),
    }));
  const openAi = (base: string | undefined, key: string | undefined) =>
    createOpenAiClient({ baseUrl: base ?? config.OPENAI_BASE_URL, apiKey: key ?? config.OPENAI_API_KEY, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const azureSpeechOrigin = config.AZURE_SPEECH_ENDPOINT
    ? origin(config.AZURE_SPEECH_ENDPOINT)
    : `https://${config.AZURE_SPEECH_REGION}.api.cognitive.microsoft.com`;
  const closers: (() => Promise<void>)[] = [];

  // Speech to text.
  let stt = offline.stt;
  let sttInfo: StageDescription = { provider: offline.stt.name };
  if (config.PICHAT_STT !== 'offline') {
    const raw =
      config.PICHAT_STT === 'azure'
        ? new AzureSpeechStt({ ports: ports(), language: config.PICHAT_LANGUAGE, ...common })
        : new OpenAiTranscriptionStt({
            client: openAi(config.PICHAT_STT_BASE_URL, config.PICHAT_STT_API_KEY),
            model: config.PICHAT_STT_MODEL,
            language: config.PICHAT_LANGUAGE,
            ...common,
          });
    const cloud = retryingStt(timeoutStt(raw, { finishMs: config.PICHAT_STT_TIMEOUT_MS }), retry);
    const grammarFirst = config.PICHAT_STT_GRAMMAR_FIRST && config.PICHAT_LANGUAGE.toLowerCase().startsWith('en');
    stt = grammarFirst ? grammarFirstStt(offline.stt, cloud, { onFallback }) : fallbackStt(cloud, offline.stt, { onFallback });
    sttInfo = {
      provider: raw.name,
      ...(config.PICHAT_STT === 'openai' ? { model: config.PICHAT_STT_MODEL, endpoint: origin(config.PICHAT_STT_BASE_URL ?? config.OPENAI_BASE_URL) } : { model: config.PICHAT_LANGUAGE, endpoint: azureSpeechOrigin }),
      fallback: grammarFirst ? `${offline.stt.name} (commands first)` : offline.stt.name,
    };
  }

  // Brain.
  let brain = offline.brain;
  let brainInfo: StageDescription = { provider: 'local-skills' };
  if (config.PICHAT_LLM !== 'offline') {
    let chat: ChatModel;
    let endpoint: string;
    if (config.PICHAT_LLM === 'azure') {
      const deployment = (config.AZURE_OPENAI_DEPLOYMENT_GPT4 ?? config.AZURE_OPENAI_DEPLOYMENT_GPT35)!;
      const client = createAzureOpenAiClient({
        endpoint: config.AZURE_OPENAI_ENDPOINT!,
        apiKey: config.AZURE_OPENAI_KEY!,
        deployment,
        apiVersion: config.AZURE_OPENAI_API_VERSION,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      chat = new OpenAiChatModel({ client, model: deployment, name: 'azure-openai', maxTokens: config.PICHAT_LLM_MAX_TOKENS, ...temperature(config), ...common });
      endpoint = origin(config.AZURE_OPENAI_ENDPOINT!);
    } else {
      const client = openAi(config.PICHAT_LLM_BASE_URL, config.PICHAT_LLM_API_KEY);
      chat = new OpenAiChatModel({ client, model: config.PICHAT_LLM_MODEL, maxTokens: config.PICHAT_LLM_MAX_TOKENS, ...temperature(config), ...common });
      endpoint = origin(config.PICHAT_LLM_BASE_URL ?? config.OPENAI_BASE_URL);
    }
    const guarded = retryingChat(timeoutChat(chat, { firstMs: config.PICHAT_LLM_FIRST_TOKEN_TIMEOUT_MS, idleMs: config.PICHAT_LLM_IDLE_TIMEOUT_MS }), retry);
    const llm = new LlmBrain({
      model: guarded,
      ...(config.PICHAT_SYSTEM_PROMPT ? { systemPrompt: config.PICHAT_SYSTEM_PROMPT } : {}),
      history: { maxChars: config.PICHAT_HISTORY_MAX_CHARS, maxMessages: config.PICHAT_HISTORY_MAX_MESSAGES },
      locale: config.PICHAT_LANGUAGE,
    });
    const skills = deps.skills ?? compileSkills(defaultSkills());
    brain = new SkillsFirstBrain(skills, fallbackBrain(llm, offline.brain, { onFallback: ({ error }) => onFallback({ primary: chat.name, fallback: 'local-skills', error }) }));
    brainInfo = { provider: chat.name, model: chat.model, endpoint, fallback: 'local-skills' };
  }

  // Text to speech.
  let tts = offline.tts;
  let ttsInfo: StageDescription = { provider: offline.tts.name };
  let voiced: Providers['voiced'] = () => undefined;
  const guardTts = (raw: TextToSpeech): TextToSpeech =>
    fallbackTts(retryingTts(timeoutTts(raw, { firstMs: config.PICHAT_TTS_FIRST_CHUNK_TIMEOUT_MS, idleMs: config.PICHAT_TTS_IDLE_TIMEOUT_MS }), retry), offline.tts, {
      cooldownMs: config.PICHAT_FALLBACK_COOLDOWN_MS,
      onFallback,
    });
  if (config.PICHAT_TTS !== 'offline') {
    let raw: TextToSpeech;
    if (config.PICHAT_TTS === 'azure') {
      const voice = selectVoice({
        locale: config.PICHAT_LANGUAGE,
        gender: config.PICHAT_VOICE_GENDER,
        ...(config.AZURE_SPEECH_VOICE ? { voice: config.AZURE_SPEECH_VOICE } : {}),
      });
      const azure = new AzureSpeechTts({ ports: ports(), voice, ...(config.PICHAT_TTS_RATE ? { rate: config.PICHAT_TTS_RATE } : {}), ...common });
      closers.push(() => azure.close());
      raw = azure;
      voiced = (choice) => guardTts(azure.withVoice(selectVoice(choice)));
      ttsInfo = { provider: azure.name, model: voice.voice, endpoint: azureSpeechOrigin };
    } else if (config.PICHAT_TTS === 'openai') {
      raw = new OpenAiSpeechTts({
        client: openAi(config.PICHAT_TTS_BASE_URL, config.PICHAT_TTS_API_KEY),
        model: config.PICHAT_TTS_MODEL,
        voice: config.PICHAT_TTS_VOICE,
        ...(config.PICHAT_TTS_SPEED !== undefined ? { speed: config.PICHAT_TTS_SPEED } : {}),
        ...common,
      });
      ttsInfo = { provider: raw.name, model: `${config.PICHAT_TTS_MODEL}/${config.PICHAT_TTS_VOICE}`, endpoint: origin(config.PICHAT_TTS_BASE_URL ?? config.OPENAI_BASE_URL) };
    } else {
      const languageCode = config.PICHAT_LANGUAGE.split('-')[0];
      raw = new ElevenLabsTts({
        apiKey: config.ELEVENLABS_API_KEY!,
        voiceId: config.ELEVENLABS_VOICE_ID,
        modelId: config.ELEVENLABS_MODEL_ID,
        baseUrl: config.ELEVENLABS_BASE_URL,
        ...(languageCode && config.ELEVENLABS_MODEL_ID.includes('v2_5') ? { languageCode } : {}),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...common,
      });
      ttsInfo = { provider: raw.name, model: `${config.ELEVENLABS_MODEL_ID}/${config.ELEVENLABS_VOICE_ID}`, endpoint: origin(config.ELEVENLABS_BASE_URL) };
    }
    tts = guardTts(raw);
    ttsInfo.fallback = offline.tts.name;
  }

  const description: ProvidersDescription = { stt: sttInfo, brain: brainInfo, tts: ttsInfo, language: config.PICHAT_LANGUAGE };
  return {
    stt,
    brain,
    tts,
    description,
    voiced,
    probe: async (timeoutMs = 3000) => {
      const [s, b, t] = await Promise.all([sttInfo, brainInfo, ttsInfo].map((info) => probeOrigin(info.endpoint, timeoutMs, deps.fetch)));
      return { stt: s!, brain: b!, tts: t! };
    },
    close: async () => {
      await Promise.all(closers.map((c) => c().catch(() => undefined)));
    },
  };
}

function isConfig(env: NodeJS.ProcessEnv | ProviderConfig): env is ProviderConfig {
  return Array.isArray((env as ProviderConfig).prices);
}

function temperature(config: ProviderConfig): { temperature?: number } {
  return config.PICHAT_LLM_TEMPERATURE !== undefined ? { temperature: config.PICHAT_LLM_TEMPERATURE } : {};
}

/** scheme://host:port of a URL (ws/wss shown as http/https), without credentials, path or query. */
export function origin(url: string): string {
  const u = new URL(url);
  const protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  return `${protocol}//${u.host}`;
}

async function probeOrigin(endpoint: string | undefined, timeoutMs: number, fetchFn: typeof fetch = fetch): Promise<StageReachability> {
  if (!endpoint) return { reachable: true };
  const started = performance.now();
  try {
    const response = await fetchFn(endpoint, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    void response.body?.cancel().catch(() => undefined);
    return { reachable: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const name = (err as { name?: string } | null)?.name;
    return { reachable: false, error: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' };
  }
}
