import { type AudioFormat, durationMs, type Logger } from '@pichat/shared';
import type { SpeechToText, SttResult, SttStream } from '../../pipeline/providers.js';
import { azureError } from '../azure/errors.js';
import { exactArrayBuffer, type AzureCancellation, type AzureSpeechPorts, type PushStreamPort, type RecognizerPort } from '../azure/ports.js';
import { abortError } from '../signals.js';
import { reportUsage, type UsageSink } from '../usage.js';

export interface AzureSpeechSttOptions {
  ports: AzureSpeechPorts;
  /** BCP-47 recognition language, e.g. pl-PL; a turn's `language` overrides it. */
  language: string;
  /** Longest wait for the SDK to stop a recognition before closing it anyway, ms. Default 2000. */
  stopTimeoutMs?: number;
  onUsage?: UsageSink;
  logger?: Logger;
}

/**
 * Azure Speech recognition with one recognizer and one push stream per turn (long-lived recognizers leak and
 * drift: Azure-Samples/cognitive-services-speech-sdk #306, #595, #913). Continuous recognition starts when the turn
 * starts, so the connection opens while the user speaks; audio is pushed as exact ArrayBuffer slices (#73, #758);
 * `finish()` closes the push stream and waits for the session to end, then joins the final phrases.
 *
 * The recognizer is closed in every case: after finish(), on abort, and when the SDK failed. Connection and service
 * failures become ProviderErrors (`network`, `auth`, `rate_limited`, …) so the wrappers can retry or fall back.
 */
export class AzureSpeechStt implements SpeechToText {
  readonly name = 'azure-speech-stt';

  constructor(private readonly options: AzureSpeechSttOptions) {}

  start(start: { format: AudioFormat; signal: AbortSignal; language?: string }): SttStream {
    const { signal, format } = start;
    const language = start.language ?? this.options.language;
    if (signal.aborted) return { write: () => undefined, finish: () => Promise.reject(abortError()) };
    let created: { recognizer: RecognizerPort; push: PushStreamPort };
    try {
      created = this.options.ports.createRecognizer({ language, format });
    } catch (err) {
      const failure = azureError(this.name, err);
      return { write: () => undefined, finish: () => Promise.reject(failure) };
    }
    const { recognizer, push } = created;
    const phrases: string[] = [];
    let failure: AzureCancellation | Error | undefined;
    let ended!: () => void;
    const sessionEnded = new Promise<void>((resolve) => (ended = resolve));
    recognizer.onRecognized = (text) => phrases.push(text);
    recognizer.onCanceled = (c) => {
      if (c.code !== 'end_of_stream') failure ??= c;
      ended();
    };
    recognizer.onSessionStopped = () => ended();
    const started = recognizer.startContinuous().catch((err: unknown) => {
      failure ??= err instanceof Error ? err : new Error(String(err));
      ended();
    });

    let bytes = 0;
    let pushClosed = false;
    let closed = false;
    const closePush = (): void => {
      if (pushClosed) return;
      pushClosed = true;
      try {
        push.close();
      } catch {
        // already closed by the SDK
      }
    };
    const close = (): void => {
      if (closed) return;
      closed = true;
      signal.removeEventListener('abort', onAbort);
      closePush();
      const stopMs = this.options.stopTimeoutMs ?? 2000;
      void settleWithin(recognizer.stopContinuous(), stopMs).then(() => recognizer.close().catch(() => undefined));
    };
    const onAbort = (): void => {
      ended();
      close();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    return {
      write: (pcm: Uint8Array): void => {
        if (pushClosed || pcm.byteLength === 0) return;
        try {
          push.write(exactArrayBuffer(pcm));
          bytes += pcm.byteLength;
        } catch (err) {
          failure ??= err instanceof Error ? err : new Error(String(err));
        }
      },
      finish: async (): Promise<SttResult> => {
        try {
          await started;
          closePush();
          await sessionEnded;
          if (signal.aborted) throw abortError();
          if (failure) throw azureError(this.name, failure);
          return { text: phrases.join(' ').replace(/\s+/g, ' ').trim() };
        } finally {
          close();
          // A recognition the service refused or broke off with an error is not billed: no usage for it.
          if (bytes > 0 && !failure) {
            reportUsage(this.options.onUsage, { provider: this.name, model: language, kind: 'audio_seconds', input: durationMs(format, bytes) / 1000, output: 0 }, signal, this.options.logger);
          }
        }
      },
    };
  }
}

/** Waits for `promise` (ignoring its failure) but no longer than `ms`. */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}
