import { SPEECH_FORMAT } from '@pichat/shared';
import { silentLogger } from '../../shared/src/log.js';
import type { AppDeps } from '../../server/src/app.js';
import { createRealtime } from '../../server/src/realtime/create.js';
import type { RealtimeService } from '../../server/src/realtime/service.js';
import type { TextToSpeech } from '../../server/src/pipeline/providers.js';
import { FakeStt, FakeTts } from '../../server/src/testing/fakes.js';
import type { TestDevice } from './device-client.js';
import { RealtimeStandin, type StandinOptions } from './realtime-standin.js';
import { startTestServer, type TestServer } from './server.js';

export const RT_KEY = 'sk-standin-key';

export interface RealtimeTestServer extends TestServer {
  standin: RealtimeStandin;
  realtime: RealtimeService;
  /** The offline voice used for explanations and skill answers. */
  localTts: LocalVoice;
}

/** The offline voice of the test server: any TTS that notes what it was asked to say. */
export type LocalVoice = TextToSpeech & { readonly texts: string[] };

/**
 * A PiChat server with the history store and realtime mode on (PICHAT_VOICE_MODE=realtime), its upstream the
 * loopback stand-in over TLS, reached through the `openai` SDK's realtime client. Short timeouts and backoffs.
 */
export async function startRealtimeServer(
  standinOptions: Partial<StandinOptions> = {},
  env: Record<string, string> = {},
  { localTts: ownVoice, ...app }: Pick<AppDeps, 'web'> & { localTts?: LocalVoice } = {},
): Promise<RealtimeTestServer> {
  const standin = await RealtimeStandin.start({ apiKey: RT_KEY, ...standinOptions });
  const localTts = ownVoice ?? new FakeTts({ msPerChar: 2 });
  const realtime = createRealtime(
    {
      PICHAT_VOICE_MODE: 'realtime',
      PICHAT_REALTIME_API_KEY: RT_KEY,
      PICHAT_REALTIME_BASE_URL: standin.baseUrl,
      PICHAT_REALTIME_RECONNECT_BASE_MS: '20',
      PICHAT_REALTIME_RECONNECT_MAX_MS: '100',
      PICHAT_REALTIME_RESPONSE_TIMEOUT_MS: '3000',
      PICHAT_REALTIME_IDLE_TIMEOUT_MS: '3000',
      PICHAT_REALTIME_TRANSCRIPT_WAIT_MS: '1000',
      PICHAT_REALTIME_CONNECT_TIMEOUT_MS: '3000',
      ...env,
    },
    { tts: localTts, stt: new FakeStt(() => ({ text: 'recovered words' })), log: silentLogger, wsOptions: { ca: standin.ca } },
  );
  const server = await startTestServer({ store: true, realtime, ...app });
  return {
    ...server,
    standin,
    realtime,
    localTts,
    close: async () => {
      await server.close();
      await standin.close();
    },
  };
}

/** `ms` of a 16 kHz tone, what a device's microphone sends. */
export function speech(ms: number): Uint8Array {
  const samples = (SPEECH_FORMAT.sampleRateHz * ms) / 1000;
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(4000 * Math.sin(i / 5)), i * 2);
  return out;
}

/** Runs one push-to-talk turn on `device`: press, `ms` of speech, release. */
export async function pushToTalk(device: TestDevice, turnId: string, ms = 500): Promise<void> {
  device.send({ type: 'turn.start', turnId, format: SPEECH_FORMAT });
  await device.streamPcm(speech(ms));
  device.send({ type: 'turn.end', turnId });
}
