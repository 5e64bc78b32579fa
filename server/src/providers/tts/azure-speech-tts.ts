import { type Logger, SPEECH_FORMAT } from '@pichat/shared';
import { raceAbort } from '../../pipeline/errors.js';
import type { TextToSpeech, TtsStream } from '../../pipeline/providers.js';
import { azureError } from '../azure/errors.js';
import type { AzureSpeechPorts, SynthesizerPort } from '../azure/ports.js';
import { reportUsage, type UsageSink } from '../usage.js';
import { buildSsml } from './ssml.js';
import type { VoiceChoice } from './voices.js';

export interface AzureSpeechTtsOptions {
  ports: AzureSpeechPorts;
  voice: VoiceChoice;
  /** SSML prosody rate, e.g. "+10%". */
  rate?: string;
  onUsage?: UsageSink;
  logger?: Logger;
}

interface Request {
  id: number;
  signal: AbortSignal;
  push(chunk: Uint8Array): void;
}

/**
 * Azure Speech synthesis as Raw16Khz16BitMonoPcm (no WAV header per chunk), streamed from the `synthesizing` events.
 * One synthesizer is reused across requests (it keeps its connection warm: a much shorter time to first byte) and
 * requests run one at a time, in call order, so every audio event belongs to the request that is current.
 *
 * The JS SDK cannot stop a synthesis. When the current request is aborted (barge-in, a timeout wrapper), its
 * stream ends at once, events still arriving for it are dropped by request id, and that synthesizer is retired
 * (closed) so that the next request does not wait behind the abandoned one; the next request creates a new one.
 */
export class AzureSpeechTts implements TextToSpeech {
  readonly name = 'azure-speech-tts';
  private synthesizer: SynthesizerPort | undefined;
  private current: Request | undefined;
  private queue: Promise<void> = Promise.resolve();
  private nextId = 0;

  constructor(private readonly options: AzureSpeechTtsOptions) {}

  synthesize(text: string, signal: AbortSignal): TtsStream {
    return { format: SPEECH_FORMAT, chunks: this.chunks(text, signal, this.options.voice) };
  }

  /** The same synthesizer and request queue speaking with another voice (SSML names the voice per request). */
  withVoice(voice: VoiceChoice): TextToSpeech {
    return { name: this.name, synthesize: (text, signal) => ({ format: SPEECH_FORMAT, chunks: this.chunks(text, signal, voice) }) };
  }

  /** Closes the reused synthesizer (at shutdown). */
  async close(): Promise<void> {
    const s = this.synthesizer;
    this.synthesizer = undefined;
    await s?.close();
  }

  private async *chunks(text: string, signal: AbortSignal, voice: VoiceChoice): AsyncGenerator<Uint8Array> {
    const id = ++this.nextId;
    const items: Uint8Array[] = [];
    let done = false;
    let failure: unknown;
    let sent = false; // the SSML went to the service (not still queued behind another sentence)
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const request: Request = {
      id,
      signal,
      push: (chunk) => {
        items.push(chunk);
        notify();
      },
    };
    const onAbort = (): void => notify();
    signal.addEventListener('abort', onAbort, { once: true });

    // Wait for our turn on the synthesizer, then speak; the queue moves on when we finish or are aborted.
    let release!: () => void;
    const ours = new Promise<void>((resolve) => (release = resolve));
    const before = this.queue;
    this.queue = before.then(() => ours);
    void (async () => {
      await before;
      if (signal.aborted) return;
      let synthesizer: SynthesizerPort;
      try {
        synthesizer = this.ensureSynthesizer();
      } catch (err) {
        failure = azureError(this.name, err);
        return;
      }
      this.current = request;
      const retire = (): void => {
        // Abandoned mid-synthesis: retire this synthesizer; its late events are dropped (current !== request).
        if (this.synthesizer === synthesizer) this.synthesizer = undefined;
        void synthesizer.close().catch(() => undefined);
      };
      signal.addEventListener('abort', retire, { once: true });
      sent = true;
      try {
        await raceAbort(synthesizer.speakSsml(buildSsml(text, { ...voice, ...(this.options.rate ? { rate: this.options.rate } : {}) })), signal);
      } catch (err) {
        if (!signal.aborted) {
          failure = azureError(this.name, err);
          // A failed synthesizer may hold a broken connection: start afresh next time.
          if (this.synthesizer === synthesizer) this.synthesizer = undefined;
          void synthesizer.close().catch(() => undefined);
        }
      } finally {
        signal.removeEventListener('abort', retire);
        if (this.current === request) this.current = undefined;
      }
    })().finally(() => {
      done = true;
      release();
      notify();
    });

    try {
      for (;;) {
        if (signal.aborted) return;
        const item = items.shift();
        if (item) {
          yield item;
          continue;
        }
        if (done) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Billed once sent and not refused: a request aborted while still queued, or failed, counts nothing.
      if (sent && !failure) reportUsage(this.options.onUsage, { provider: this.name, model: voice.voice, kind: 'characters', input: text.length, output: 0 }, signal, this.options.logger);
    }
  }

  private ensureSynthesizer(): SynthesizerPort {
    if (this.synthesizer) return this.synthesizer;
    const synthesizer = this.options.ports.createSynthesizer();
    synthesizer.onAudio = (audio) => {
      const request = this.current;
      // Late chunks: only the current, live request of the current synthesizer gets audio.
      if (!request || request.signal.aborted || this.synthesizer !== synthesizer) return;
      request.push(new Uint8Array(audio.slice(0)));
    };
    this.synthesizer = synthesizer;
    return synthesizer;
  }
}
