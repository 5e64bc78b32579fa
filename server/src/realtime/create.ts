import type { ClientOptions as WsClientOptions } from 'ws';
import type { LiveBus } from '../live/bus.js';
import type { Logger } from '@pichat/shared';
import type { SpeechToText, TextToSpeech } from '../pipeline/providers.js';
import { loadProviderConfig, type ProviderConfig } from '../providers/config.js';
import { compileSkills, defaultSkills, type CompiledSkill } from '../skills/index.js';
import type { Store } from '../store/store.js';
import { realtimeSetup } from './config.js';
import type { RealtimeConnector } from './connector.js';
import { RealtimeService } from './service.js';

export interface CreateRealtimeDeps {
  /** The offline voice (espeak-ng): explanations and local skill answers are spoken with it. */
  tts: TextToSpeech;
  /** The regular recogniser (keeps the user's words in the history when the model failed first). */
  stt?: SpeechToText;
  /** Local skills answered instead of the model (default: compileSkills(defaultSkills())). */
  skills?: readonly CompiledSkill[];
  store?: Store;
  live?: LiveBus;
  log: Logger;
  /** Default: the `openai` SDK's realtime WebSocket client. */
  connector?: RealtimeConnector;
  /** Extra `ws` client options for that client (tests: the stand-in's CA certificate). */
  wsOptions?: WsClientOptions;
}

/**
 * Builds realtime mode from the environment (the PICHAT_REALTIME_* variables, docs/realtime.md). Never throws for
 * a missing key: the service then reports realtime mode as unavailable (settings page, one spoken notice) and every
 * turn goes through the pipeline. Throws a ProviderConfigError for malformed variables, like createProviders().
 */
export function createRealtime(env: NodeJS.ProcessEnv | ProviderConfig, deps: CreateRealtimeDeps): RealtimeService {
  const config = Array.isArray((env as ProviderConfig).prices) ? (env as ProviderConfig) : loadProviderConfig(env as NodeJS.ProcessEnv);
  return new RealtimeService({
    setup: realtimeSetup(config),
    tts: deps.tts,
    ...(deps.stt ? { stt: deps.stt } : {}),
    skills: deps.skills ?? compileSkills(defaultSkills()),
    ...(deps.store ? { store: deps.store } : {}),
    ...(deps.live ? { live: deps.live } : {}),
    ...(deps.connector ? { connector: deps.connector } : {}),
    ...(deps.wsOptions ? { wsOptions: deps.wsOptions } : {}),
    log: deps.log,
  });
}
