import type { AudioFormat } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStream, TextToSpeech, TtsStream } from '../../pipeline/providers.js';
import { ProviderError } from '../errors.js';
import type { ChatMessage, ChatModel } from '../llm/chat-model.js';
import { linkSignal, type LinkedSignal } from '../signals.js';

/**
 * Per-stage time limits. A stream gets two: until its first item (`firstMs`: connection, queueing, time to first
 * token) and between items (`idleMs`: a stalled stream). Time the consumer spends before asking for the next item
 * (playback backpressure) does not count. On expiry the inner call's signal is aborted (closing its HTTP request)
 * and the stream fails with a retryable ProviderError `timeout`.
 */
export interface StreamLimits {
  /** ms until the first item; 0 = no limit. */
  firstMs: number;
  /** ms between items; 0 = no limit. */
  idleMs: number;
}

export function guardStream<T>(
  open: (signal: AbortSignal) => AsyncIterable<T>,
  limits: StreamLimits,
  signal: AbortSignal,
  provider: string,
): AsyncGenerator<T> {
  const link = linkSignal(signal);
  return guardIterable(open(link.signal), limits, link, provider);
}

/** Like `guardStream` for a call already made with `link.signal`; aborts and disposes `link` when it ends. */
export async function* guardIterable<T>(
  source: AsyncIterable<T>,
  limits: StreamLimits,
  link: LinkedSignal,
  provider: string,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let timedOut: ProviderError | undefined;
  let first = true;
  try {
    for (;;) {
      const ms = first ? limits.firstMs : limits.idleMs;
      const next = iterator.next();
      let result: IteratorResult<T>;
      if (ms > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const expired = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = new ProviderError('timeout', `${provider}: no ${first ? 'first' : 'next'} chunk within ${ms} ms`, { provider });
            link.abort(timedOut);
            reject(timedOut);
          }, ms);
        });
        next.catch(() => undefined);
        try {
          result = await Promise.race([next, expired]);
        } finally {
          clearTimeout(timer);
        }
      } else {
        result = await next;
      }
      if (result.done) return;
      first = false;
      yield result.value;
    }
  } catch (err) {
    throw timedOut ?? err;
  } finally {
    link.abort(); // frees the inner call if we stop early (consumer break, timeout)
    link.dispose();
    // An inner generator still running after a timeout cannot take return() until it settles; don't wait for it.
    if (!timedOut) await iterator.return?.().catch(() => undefined);
  }
}

export function timeoutTts(tts: TextToSpeech, limits: StreamLimits): TextToSpeech {
  return {
    name: tts.name,
    synthesize(text: string, signal: AbortSignal): TtsStream {
      // The inner call is made now (its format is needed now), with a signal the guard controls.
      const link = linkSignal(signal);
      const inner = tts.synthesize(text, link.signal);
      return { format: inner.format, chunks: guardIterable(inner.chunks, limits, link, tts.name) };
    },
  };
}

export function timeoutChat(model: ChatModel, limits: StreamLimits): ChatModel {
  return {
    name: model.name,
    model: model.model,
    stream: (messages: readonly ChatMessage[], signal: AbortSignal) =>
      guardStream((s) => model.stream(messages, s), limits, signal, model.name),
  };
}

/**
 * Bounds `finish()` (the wait for the final transcript after release) to `finishMs`. Audio writes are not timed:
 * they happen while the user speaks.
 */
export function timeoutStt(stt: SpeechToText, limits: { finishMs: number }): SpeechToText {
  return {
    name: stt.name,
    start(options: { format: AudioFormat; signal: AbortSignal; language?: string }): SttStream {
      const link = linkSignal(options.signal);
      const inner = stt.start({ ...options, signal: link.signal });
      return {
        write: (pcm) => inner.write(pcm),
        async finish(): Promise<SttResult> {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const result = inner.finish();
          result.catch(() => undefined);
          const expired = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              const err = new ProviderError('timeout', `${stt.name}: no final result within ${limits.finishMs} ms`, { provider: stt.name });
              link.abort(err);
              reject(err);
            }, limits.finishMs);
          });
          try {
            return await Promise.race([result, expired]);
          } finally {
            clearTimeout(timer);
            link.dispose();
          }
        },
      };
    },
  };
}
