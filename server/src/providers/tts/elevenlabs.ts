import type { AudioFormat, Logger } from '@pichat/shared';
import type { TextToSpeech, TtsStream } from '../../pipeline/providers.js';
import { httpError, isAbortError, toProviderError } from '../errors.js';
import { linkSignal } from '../signals.js';
import { reportUsage, type UsageSink } from '../usage.js';
import { pcmChunks } from './pcm-body.js';

/** `output_format=pcm_16000`: 16 kHz, 16-bit signed little-endian, mono, no header: the device's own format. */
export const ELEVENLABS_PCM_FORMAT: AudioFormat = Object.freeze({ encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 });

export interface ElevenLabsOptions {
  apiKey: string;
  voiceId: string;
  /** e.g. eleven_flash_v2_5 (lowest latency), eleven_multilingual_v2. */
  modelId: string;
  /** Default https://api.elevenlabs.io */
  baseUrl?: string;
  /** ISO 639-1 language to enforce (flash/turbo v2.5 models); omitted = detected. */
  languageCode?: string;
  fetch?: typeof fetch;
  onUsage?: UsageSink;
  logger?: Logger;
}

/**
 * ElevenLabs streaming speech: `POST /v1/text-to-speech/{voice}/stream?output_format=pcm_16000`, the body streamed as
 * it arrives. Stopping the iteration or aborting the signal closes the HTTP request at once.
 */
export class ElevenLabsTts implements TextToSpeech {
  readonly name = 'elevenlabs';

  constructor(private readonly options: ElevenLabsOptions) {}

  synthesize(text: string, signal: AbortSignal): TtsStream {
    return { format: ELEVENLABS_PCM_FORMAT, chunks: this.chunks(text, signal) };
  }

  private async *chunks(text: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    if (signal.aborted) return;
    const base = (this.options.baseUrl ?? 'https://api.elevenlabs.io').replace(/\/+$/, '');
    const url = `${base}/v1/text-to-speech/${encodeURIComponent(this.options.voiceId)}/stream?output_format=pcm_16000`;
    const request = linkSignal(signal); // aborted at the end too: stopping the iteration closes the HTTP request
    let refused = false; // the request failed before any audio: nothing billed, so no usage (a retry sends it again)
    try {
      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(url, {
          method: 'POST',
          headers: { 'xi-api-key': this.options.apiKey, 'content-type': 'application/json', accept: 'audio/pcm' },
          body: JSON.stringify({
            text,
            model_id: this.options.modelId,
            ...(this.options.languageCode ? { language_code: this.options.languageCode } : {}),
          }),
          signal: request.signal,
        });
      } catch (err) {
        if (signal.aborted || isAbortError(err)) return;
        refused = true;
        throw toProviderError(err, this.name);
      }
      if (!response.ok) {
        refused = true;
        void response.body?.cancel().catch(() => undefined);
        throw httpError(this.name, response.status, response.headers);
      }
      yield* pcmChunks(response.body as AsyncIterable<Uint8Array> | null, signal, this.name);
    } catch (err) {
      if (signal.aborted || isAbortError(err)) return;
      throw err;
    } finally {
      request.dispose();
      request.abort();
      if (!refused) reportUsage(this.options.onUsage, { provider: this.name, model: this.options.modelId, kind: 'characters', input: text.length, output: 0 }, signal, this.options.logger);
    }
  }
}
