import { SPEECH_FORMAT, type AudioFormat } from '@pichat/shared';
import { abortError } from '../pipeline/errors.js';
import type {
  Brain,
  BrainReply,
  BrainRequest,
  SpeechToText,
  SttResult,
  SttStartOptions,
  SttStream,
  TextToSpeech,
  TtsStream,
} from '../pipeline/providers.js';

/**
 * In-memory stand-ins for the provider seams, for tests and benchmarks. They answer at once, record their calls
 * and can be scripted to fail; each honours its AbortSignal like a real provider.
 */
export class FakeStt implements SpeechToText {
  readonly name = 'fake-stt';
  /** Every stream opened, in order. */
  readonly streams: FakeSttStream[] = [];
  constructor(private readonly script: (audioBytes: number) => SttResult | Error = () => ({ text: 'what time is it' })) {}

  start(options: SttStartOptions): SttStream {
    const stream = new FakeSttStream(options.signal, this.script, options.channel);
    this.streams.push(stream);
    return stream;
  }

  /** Streams whose turn is still holding them (not finished and not aborted): must be 0 after every turn. */
  get open(): number {
    return this.streams.filter((s) => !s.closed).length;
  }
}

export class FakeSttStream implements SttStream {
  bytes = 0;
  finished = false;
  aborted = false;
  constructor(
    private readonly signal: AbortSignal,
    private readonly script: (audioBytes: number) => SttResult | Error,
    /** The channel the turn named (see SttStartOptions). */
    readonly channel?: string,
  ) {
    signal.addEventListener('abort', () => (this.aborted = true), { once: true });
  }
  get closed(): boolean {
    return this.finished || this.aborted;
  }
  write(pcm: Uint8Array): void {
    this.bytes += pcm.byteLength;
  }
  finish(): Promise<SttResult> {
    this.finished = true;
    if (this.signal.aborted) return Promise.reject(abortError());
    const out = this.script(this.bytes);
    return out instanceof Error ? Promise.reject(out) : Promise.resolve(out);
  }
}

/** Answers every request with `reply(text)` (default: echoes "you said …"), split into `deltas` pieces. */
export class FakeBrain implements Brain {
  readonly requests: BrainRequest[] = [];
  constructor(
    private readonly reply_: (text: string) => string | Error = (text) => `You said ${text}.`,
    private readonly deltas = 1,
  ) {}

  reply(request: BrainRequest, signal: AbortSignal): Promise<BrainReply> {
    this.requests.push(request);
    const result = this.reply_(request.text);
    if (result instanceof Error) return Promise.reject(result);
    const out: string = result;
    const size = Math.max(1, Math.ceil(out.length / this.deltas));
    async function* pieces(): AsyncGenerator<string> {
      for (let i = 0; i < out.length; i += size) {
        if (signal.aborted) return;
        yield out.slice(i, i + size);
      }
    }
    return Promise.resolve({ handler: 'fake', text: pieces(), actions: [] });
  }
}

/** Produces `msPerChar` ms of a quiet tone per character of text, in `chunkMs` chunks, at once. */
export class FakeTts implements TextToSpeech {
  readonly name = 'fake-tts';
  readonly texts: string[] = [];
  constructor(
    private readonly options: { format?: AudioFormat; msPerChar?: number; chunkMs?: number; fail?: Error } = {},
  ) {}

  synthesize(text: string, signal: AbortSignal): TtsStream {
    this.texts.push(text);
    const format = this.options.format ?? SPEECH_FORMAT;
    const totalMs = text.length * (this.options.msPerChar ?? 5);
    const chunkMs = this.options.chunkMs ?? 20;
    const fail = this.options.fail;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (fail) throw fail;
      const samplesPerChunk = Math.round((format.sampleRateHz * chunkMs) / 1000) * format.channels;
      for (let ms = 0; ms < totalMs; ms += chunkMs) {
        if (signal.aborted) return;
        const chunk = new Uint8Array(samplesPerChunk * 2);
        const view = new DataView(chunk.buffer);
        for (let i = 0; i < samplesPerChunk; i++) view.setInt16(i * 2, Math.round(3000 * Math.sin(i / 4)), true);
        yield chunk;
      }
    }
    return { format, chunks: chunks() };
  }
}
