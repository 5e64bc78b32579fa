import { LinearResampler, sameFormat, type AudioFormat } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStream, TextToSpeech, TtsStream } from '../../pipeline/providers.js';
import { isAbortError } from '../errors.js';

export interface FallbackOptions {
  /** After the primary failed, ms during which calls go straight to the fallback (no timeout paid per sentence). */
  cooldownMs: number;
  /** Clock, ms; injectable for tests. */
  now?: () => number;
  /** Called once per fallback, for logs and the turn record. */
  onFallback?: (info: { primary: string; fallback: string; error: unknown }) => void;
}

/**
 * Speaks with `primary`; when it fails before its first audio chunk (after its own retries and timeouts), speaks the
 * same text with `offline` instead, converted to the primary's announced format, and keeps using `offline` for
 * `cooldownMs`. A failure after audio started is not hidden: repeating half a sentence in another voice is worse
 * than the turn's error report. An abort is passed through untouched.
 */
export function fallbackTts(primary: TextToSpeech, offline: TextToSpeech, options: FallbackOptions): TextToSpeech {
  const now = options.now ?? Date.now;
  let primaryDownUntil = 0;
  return {
    name: primary.name,
    synthesize(text: string, signal: AbortSignal): TtsStream {
      if (now() < primaryDownUntil) return offline.synthesize(text, signal);
      const stream = primary.synthesize(text, signal);
      async function* chunks(): AsyncGenerator<Uint8Array> {
        let started = false;
        try {
          for await (const chunk of stream.chunks) {
            started = true;
            yield chunk;
          }
          return;
        } catch (err) {
          if (started || signal.aborted || isAbortError(err)) throw err;
          primaryDownUntil = now() + options.cooldownMs;
          options.onFallback?.({ primary: primary.name, fallback: offline.name, error: err });
        }
        const spare = offline.synthesize(text, signal);
        const convert = converter(spare.format, stream.format);
        for await (const chunk of spare.chunks) {
          const out = convert(chunk);
          if (out.byteLength > 0) yield out;
        }
      }
      return { format: stream.format, chunks: chunks() };
    },
  };
}

/** Converts `from` audio to `to` (sample rate only; PiChat's TTS voices are all mono). */
function converter(from: AudioFormat, to: AudioFormat): (chunk: Uint8Array) => Uint8Array {
  if (sameFormat(from, to)) return (c) => c;
  if (from.channels !== to.channels) throw new Error(`cannot convert ${from.channels} to ${to.channels} channels`);
  const resampler = new LinearResampler(from, to.sampleRateHz);
  return (c) => resampler.push(c);
}

/**
 * Recognises with `primary`; when its `finish()` fails (not aborted), replays the turn's audio into `offline` and
 * returns that result. The audio is kept for the turn (at 16 kHz, 32 kB per second).
 */
export function fallbackStt(primary: SpeechToText, offline: SpeechToText, options: Omit<FallbackOptions, 'cooldownMs' | 'now'> = {}): SpeechToText {
  return {
    name: primary.name,
    start(startOptions: { format: AudioFormat; signal: AbortSignal; language?: string }): SttStream {
      const audio: Uint8Array[] = [];
      const inner = primary.start(startOptions);
      return {
        write(pcm: Uint8Array): void {
          audio.push(pcm);
          inner.write(pcm);
        },
        async finish(): Promise<SttResult> {
          try {
            return await inner.finish();
          } catch (err) {
            if (startOptions.signal.aborted || isAbortError(err)) throw err;
            options.onFallback?.({ primary: primary.name, fallback: offline.name, error: err });
            const spare = offline.start(startOptions);
            for (const pcm of audio) spare.write(pcm);
            return spare.finish();
          }
        },
      };
    },
  };
}
