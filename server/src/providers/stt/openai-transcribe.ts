import { toFile } from 'openai';
import type OpenAI from 'openai';
import { type AudioFormat, durationMs, encodeWav, type Logger } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStream } from '../../pipeline/providers.js';
import { isAbortError, toProviderError } from '../errors.js';
import { abortError } from '../signals.js';
import { reportUsage, type UsageSink } from '../usage.js';

export interface OpenAiTranscriptionOptions {
  client: OpenAI;
  /** e.g. whisper-1, gpt-4o-mini-transcribe, whisper-large-v3 (Groq), a local server's model. */
  model: string;
  /** BCP-47 (pl-PL) or ISO 639-1 (pl); sent as ISO 639-1. Omitted = detected by the server. */
  language?: string;
  /** Provider name, default `openai-transcribe`. */
  name?: string;
  onUsage?: UsageSink;
  logger?: Logger;
}

/**
 * OpenAI-compatible transcription (`POST /v1/audio/transcriptions`: OpenAI, Groq, local whisper servers). The
 * endpoint takes a whole file, so the turn's audio is kept while the user speaks and uploaded as one WAV at
 * `finish()`. No audio → no request, empty result.
 *
 * The text is returned as the server wrote it (trimmed, whitespace collapsed), with its case and punctuation: the
 * LLM reads it better, and the skill matcher normalises on its own.
 */
export class OpenAiTranscriptionStt implements SpeechToText {
  readonly name: string;

  constructor(private readonly options: OpenAiTranscriptionOptions) {
    this.name = options.name ?? 'openai-transcribe';
  }

  start(start: { format: AudioFormat; signal: AbortSignal; language?: string }): SttStream {
    const pieces: Uint8Array[] = [];
    let bytes = 0;
    const { format, signal } = start;
    const language = toIso639(start.language ?? this.options.language);
    return {
      write: (pcm: Uint8Array): void => {
        if (signal.aborted || pcm.byteLength === 0) return;
        pieces.push(pcm.slice()); // the caller may reuse its buffer
        bytes += pcm.byteLength;
      },
      finish: async (): Promise<SttResult> => {
        if (signal.aborted) throw abortError();
        if (bytes === 0) return { text: '' };
        const pcm = new Uint8Array(bytes);
        let offset = 0;
        for (const p of pieces) {
          pcm.set(p, offset);
          offset += p.byteLength;
        }
        pieces.length = 0;
        let refused = false; // an error answer is not billed: no usage for it (a retry sends the audio again)
        try {
          const file = await toFile(encodeWav(format, pcm), 'turn.wav', { type: 'audio/wav' });
          const result = await this.options.client.audio.transcriptions.create(
            { file, model: this.options.model, ...(language ? { language } : {}) },
            { signal },
          );
          return { text: tidy(result.text ?? '') };
        } catch (err) {
          if (signal.aborted || isAbortError(err)) throw abortError();
          refused = true;
          throw toProviderError(err, this.name);
        } finally {
          if (!refused) reportUsage(
            this.options.onUsage,
            { provider: this.name, model: this.options.model, kind: 'audio_seconds', input: durationMs(format, bytes) / 1000, output: 0 },
            signal,
            this.options.logger,
          );
        }
      },
    };
  }
}

/** pl-PL → pl; already two or three letters → as is; empty → undefined. */
export function toIso639(language: string | undefined): string | undefined {
  const primary = language?.trim().split(/[-_]/)[0]?.toLowerCase();
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : undefined;
}

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
