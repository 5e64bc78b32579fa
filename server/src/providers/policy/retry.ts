import type { AudioFormat } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStream, TextToSpeech, TtsStream } from '../../pipeline/providers.js';
import { isAbortError, ProviderError } from '../errors.js';
import type { ChatMessage, ChatModel } from '../llm/chat-model.js';
import { sleep } from '../signals.js';

/**
 * Retries with exponential backoff and full jitter, only for failures that say they are retryable (429, 5xx,
 * network, timeout) and only before anything was delivered: once a chunk of audio or text has been yielded, a
 * failure is final (a retry would repeat what the user already heard or saw).
 */
export interface RetryPolicy {
  /** Retries after the first attempt. 0 disables retrying. */
  retries: number;
  /** First backoff, ms; doubled per retry. */
  baseDelayMs: number;
  /** Longest wait, ms. A Retry-After longer than this is not waited for: the failure is final (fallback is faster). */
  maxDelayMs: number;
  /** Random in [0, 1); injectable for tests. */
  random?: () => number;
  /** Waits; injectable for tests (fake timers work with the default). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

/**
 * How long to wait before retry number `attempt` (0-based) after `err`, or undefined when it must not be retried.
 * A Retry-After is honoured exactly (it is the server's instruction), but only up to `maxDelayMs`.
 */
export function retryDelayMs(err: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  if (!(err instanceof ProviderError) || !err.retryable || attempt >= policy.retries) return undefined;
  if (err.retryAfterMs !== undefined) return err.retryAfterMs <= policy.maxDelayMs ? err.retryAfterMs : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + 0.5 * (policy.random ?? Math.random)()));
}

/**
 * Iterates `open(signal)`; if it fails before its first item with a retryable error, waits and opens it again.
 * A failure after the first item, an abort, or a non-retryable error ends the iteration with that error.
 */
export async function* retryStream<T>(
  open: (signal: AbortSignal) => AsyncIterable<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
): AsyncGenerator<T> {
  for (let attempt = 0; ; attempt++) {
    let started = false;
    try {
      for await (const item of open(signal)) {
        started = true;
        yield item;
      }
      return;
    } catch (err) {
      if (started || signal.aborted || isAbortError(err)) throw err;
      const delayMs = retryDelayMs(err, attempt, policy);
      if (delayMs === undefined) throw err;
      policy.onRetry?.({ attempt: attempt + 1, delayMs, error: err as ProviderError });
      await (policy.sleep ?? sleep)(delayMs, signal);
    }
  }
}

/** A TextToSpeech whose calls are retried per `policy` until their first audio chunk. */
export function retryingTts(tts: TextToSpeech, policy: RetryPolicy): TextToSpeech {
  return {
    name: tts.name,
    synthesize(text: string, signal: AbortSignal): TtsStream {
      let first: TtsStream | undefined = tts.synthesize(text, signal);
      const format = first.format;
      const chunks = retryStream(
        (s) => {
          const stream = first ?? tts.synthesize(text, s);
          first = undefined;
          return stream.chunks;
        },
        policy,
        signal,
      );
      return { format, chunks };
    },
  };
}

/** A ChatModel whose calls are retried per `policy` until their first text. */
export function retryingChat(model: ChatModel, policy: RetryPolicy): ChatModel {
  return {
    name: model.name,
    model: model.model,
    stream: (messages: readonly ChatMessage[], signal: AbortSignal) =>
      retryStream((s) => model.stream(messages, s), policy, signal),
  };
}

/**
 * A SpeechToText whose `finish()` is retried per `policy`: the wrapper keeps the turn's audio, and on a retryable
 * failure opens a new recognition, replays the audio into it and finishes that one.
 */
export function retryingStt(stt: SpeechToText, policy: RetryPolicy): SpeechToText {
  return {
    name: stt.name,
    start(options: { format: AudioFormat; signal: AbortSignal; language?: string }): SttStream {
      const audio: Uint8Array[] = [];
      let current = stt.start(options);
      return {
        write(pcm: Uint8Array): void {
          audio.push(pcm);
          current.write(pcm);
        },
        async finish(): Promise<SttResult> {
          for (let attempt = 0; ; attempt++) {
            try {
              return await current.finish();
            } catch (err) {
              if (options.signal.aborted || isAbortError(err)) throw err;
              const delayMs = retryDelayMs(err, attempt, policy);
              if (delayMs === undefined) throw err;
              policy.onRetry?.({ attempt: attempt + 1, delayMs, error: err as ProviderError });
              await (policy.sleep ?? sleep)(delayMs, options.signal);
              current = stt.start(options);
              for (const pcm of audio) current.write(pcm);
            }
          }
        },
      };
    },
  };
}
