import type { AudioFormat } from '@pichat/shared';
import { AsyncQueue, Prefetch } from './prefetch.js';
import type { TextToSpeech } from './providers.js';

export interface SpokenChunk {
  format: AudioFormat;
  chunk: Uint8Array;
  /** Index of the sentence this audio belongs to. */
  sentence: number;
}

/**
 * Speaks sentences as they arrive: synthesis of each sentence starts as soon as it is known (up to `lookahead`
 * sentences ahead of the one being sent), while audio is yielded strictly in sentence order. So the next sentence
 * is synthesised while the previous one plays, and order is always kept.
 */
export async function* speakSentences(
  sentences: AsyncIterable<string>,
  tts: TextToSpeech,
  signal: AbortSignal,
  lookahead = 2,
): AsyncGenerator<SpokenChunk> {
  const started = new AsyncQueue<{ index: number; format: AudioFormat; audio: Prefetch<Uint8Array> }>();
  let inFlight = 0;
  let release: (() => void) | undefined;
  const slotFree = (): Promise<void> =>
    inFlight < lookahead ? Promise.resolve() : new Promise<void>((resolve) => (release = resolve));

  const producer = (async () => {
    let index = 0;
    try {
      for await (const text of sentences) {
        if (signal.aborted) break;
        await slotFree();
        if (signal.aborted) break;
        const stream = tts.synthesize(text, signal);
        inFlight++;
        started.push({ index: index++, format: stream.format, audio: new Prefetch(stream.chunks) });
      }
    } finally {
      started.close();
    }
  })();
  producer.catch(() => undefined); // surfaced by the `await producer` below; silenced if we stop early

  try {
    for await (const item of started) {
      try {
        for await (const chunk of item.audio) {
          if (signal.aborted) return;
          yield { format: item.format, chunk, sentence: item.index };
        }
      } finally {
        inFlight--;
        const r = release;
        release = undefined;
        r?.();
      }
    }
    await producer;
  } finally {
    // On early exit make sure the producer does not wait forever for a slot.
    inFlight = 0;
    release?.();
  }
}
