import type OpenAI from 'openai';
import type { AudioFormat, Logger } from '@pichat/shared';
import type { TextToSpeech, TtsStream } from '../../pipeline/providers.js';
import { isAbortError, toProviderError } from '../errors.js';
import { linkSignal } from '../signals.js';
import { reportUsage, type UsageSink } from '../usage.js';
import { pcmChunks } from './pcm-body.js';

/** `response_format: 'pcm'` of /v1/audio/speech: 24 kHz, 16-bit signed little-endian, mono, no header. */
export const OPENAI_PCM_FORMAT: AudioFormat = Object.freeze({ encoding: 'pcm_s16le', sampleRateHz: 24000, channels: 1 });

export interface OpenAiSpeechOptions {
  client: OpenAI;
  /** e.g. gpt-4o-mini-tts, tts-1; a local server's model name. */
  model: string;
  /** e.g. alloy, nova. */
  voice: string;
  /** 0.25..4, default 1. */
  speed?: number;
  /** Provider name, default `openai-speech`. */
  name?: string;
  onUsage?: UsageSink;
  logger?: Logger;
}

/**
 * OpenAI-compatible speech (`POST /v1/audio/speech`, `response_format: 'pcm'`), the body streamed as it arrives.
 * Stopping the iteration or aborting the signal closes the HTTP request at once.
 */
export class OpenAiSpeechTts implements TextToSpeech {
  readonly name: string;

  constructor(private readonly options: OpenAiSpeechOptions) {
    this.name = options.name ?? 'openai-speech';
  }

  synthesize(text: string, signal: AbortSignal): TtsStream {
    return { format: OPENAI_PCM_FORMAT, chunks: this.chunks(text, signal) };
  }

  private async *chunks(text: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    if (signal.aborted) return;
    const request = linkSignal(signal); // aborted at the end too: stopping the iteration closes the HTTP request
    let refused = false; // the request failed before any audio: nothing billed, so no usage (a retry sends it again)
    try {
      let response: Response;
      try {
        response = await this.options.client.audio.speech.create(
          {
            model: this.options.model,
            voice: this.options.voice,
            input: text,
            response_format: 'pcm',
            ...(this.options.speed !== undefined ? { speed: this.options.speed } : {}),
          },
          { signal: request.signal },
        );
      } catch (err) {
        if (signal.aborted || isAbortError(err)) return;
        refused = true;
        throw toProviderError(err, this.name);
      }
      yield* pcmChunks(response.body as AsyncIterable<Uint8Array> | null, signal, this.name);
    } catch (err) {
      if (signal.aborted || isAbortError(err)) return; // an abort ends the stream quietly
      throw err;
    } finally {
      request.dispose();
      request.abort();
      if (!refused) reportUsage(this.options.onUsage, { provider: this.name, model: this.options.model, kind: 'characters', input: text.length, output: 0 }, signal, this.options.logger);
    }
  }
}
