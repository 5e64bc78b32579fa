import { SentenceSegmenter, type AudioFormat, type ServerMessage, type Timings, type TurnOutcome } from '@pichat/shared';
import { AudioOut } from './audio-out.js';
import { StageError, isAbort, raceAbort, toStageError } from './errors.js';
import { AsyncQueue } from './prefetch.js';
import type { Brain, BrainAction, BrainRequest, SpeechToText, SttStream, TextToSpeech } from './providers.js';
import { speakSentences } from './speak.js';
import { TurnLifecycle } from './turn-lifecycle.js';

/** Where a turn's output goes: the device connection (or, later, a browser). */
export interface TurnSink {
  send(message: ServerMessage): void;
  /** Sends one audio chunk; resolves when the transport can take more (backpressure). */
  sendAudio(chunk: Uint8Array): Promise<void>;
}

export interface TurnProviders {
  stt: SpeechToText;
  brain: Brain;
  tts: TextToSpeech;
}

export interface TurnOptions {
  id: string;
  format: AudioFormat;
  /** Formats the client can play. */
  playback: readonly AudioFormat[];
  /** The last reply on this device, its volume and the conversation so far, for the brain. */
  context: Omit<BrainRequest['context'], 'now'>;
  /** Called for each action of the reply (volume, new conversation) before its audio is sent. */
  onAction?: (action: BrainAction) => void;
  now?: () => Date;
  /** The microphone the audio comes from, for the recogniser (see SttStartOptions). */
  channel?: string;
}

export interface TurnResult {
  id: string;
  outcome: TurnOutcome;
  handler?: string;
  transcript: string;
  reply: string;
  /** Milliseconds of reply audio sent to the client. */
  audioMs: number;
  timings: Timings;
  error?: StageError;
}

/** Spoken when recognition heard speech it does not know (outside the offline vocabulary). */
export const REJECTED_REPLY = "Sorry, I can't do that offline. Ask me what I can do.";
/** Spoken when a stage failed, so that the user never gets silence. */
export const FAILURE_REPLY = 'Sorry, something went wrong. Please try again.';

/**
 * One push-to-talk turn: audio in while the button is held, then transcript → brain → speech out.
 *
 * ```
 *  new Turn ─ STT stream opened (decodes while the user speaks)
 *  write()* ─ PCM pushed to STT
 *  end()    ─ STT final ─► transcript ─► brain ─► reply.delta* ─► sentences ─► TTS ─► audio.start, chunks*, audio.end
 *                                                                                     ─► turn.done{timings}
 *  abort()  ─ at any point: one AbortController stops STT, brain, TTS and sending
 * ```
 * Every stage gets a timestamp (ms since the turn started) in `timings`.
 */
export class Turn extends TurnLifecycle<TurnResult> {
  private readonly stt: SttStream;

  constructor(
    private readonly providers: TurnProviders,
    private readonly sink: TurnSink,
    private readonly options: TurnOptions,
  ) {
    super(options.id, options.format);
    this.stt = providers.stt.start({ format: options.format, signal: this.controller.signal, channel: options.channel });
  }

  /** Pushes user audio. Only while listening. */
  write(pcm: Uint8Array): void {
    if (this.phase !== 'listening') return;
    if (this.audioBytes === 0) this.mark('firstFrame');
    this.audioBytes += pcm.byteLength;
    this.stt.write(pcm);
  }

  protected async respond(): Promise<TurnResult> {
    this.phase = 'responding';
    this.mark('end');
    const signal = this.controller.signal;
    const result: TurnResult = { id: this.id, outcome: 'answered', transcript: '', reply: '', audioMs: 0, timings: this.timings };
    const out = new AudioOut(this.options.playback, {
      start: (format) => this.sink.send({ type: 'audio.start', turnId: this.id, format }),
      chunk: (bytes) => this.sink.sendAudio(bytes),
    });
    try {
      const heard = await this.stage('stt_failed', () => raceAbort(this.stt.finish(), signal));
      this.mark('sttFinal');
      result.transcript = heard.text;
      this.sink.send({ type: 'transcript', turnId: this.id, text: heard.text, final: true });

      let text: AsyncIterable<string>;
      if (!heard.text) {
        result.outcome = 'no_speech';
        result.handler = heard.rejected ? 'rejected' : undefined;
        text = once(heard.rejected ? REJECTED_REPLY : '');
      } else {
        const reply = await this.stage('brain_failed', () =>
          raceAbort(
            this.providers.brain.reply(
              { text: heard.text, context: { ...this.options.context, now: this.options.now?.() ?? new Date() } },
              signal,
            ),
            signal,
          ),
        );
        result.handler = reply.handler;
        for (const action of reply.actions) this.options.onAction?.(action);
        text = reply.text;
      }
      result.reply = await this.speak(text, out);
      // A provider may simply end its stream on abort (the contract allows it): still an abort, not an answer.
      if (signal.aborted) result.outcome = this.outcomeOnAbort;
    } catch (err) {
      if (isAbort(err, signal)) {
        result.outcome = this.outcomeOnAbort;
      } else {
        const failure = err instanceof StageError ? err : toStageError(err, 'internal');
        result.outcome = 'failed';
        result.error = failure;
        this.sink.send({ type: 'error', code: failure.code, message: failure.message, turnId: this.id });
        await this.apologise(out, result);
      }
    } finally {
      this.controller.abort(); // frees anything a provider still holds
    }
    if (out.hasStarted) this.sink.send({ type: 'audio.end', turnId: this.id });
    result.audioMs = out.sentMs;
    this.mark('done');
    this.phase = 'finished';
    this.sink.send({
      type: 'turn.done',
      turnId: this.id,
      outcome: result.outcome,
      ...(result.handler ? { handler: result.handler } : {}),
      timings: this.timings,
    });
    return result;
  }

  /** Streams reply text to the client and speaks it sentence by sentence; returns the whole text. */
  private async speak(text: AsyncIterable<string>, out: AudioOut): Promise<string> {
    const signal = this.controller.signal;
    const sentences = new AsyncQueue<string>();
    const segmenter = new SentenceSegmenter(250, true);
    let whole = '';
    const writer = (async () => {
      try {
        for await (const delta of text) {
          if (signal.aborted) break;
          if (!delta) continue;
          if (!whole) this.mark('brainFirstText');
          whole += delta;
          this.sink.send({ type: 'reply.delta', turnId: this.id, text: delta });
          for (const s of segmenter.push(delta)) sentences.push(s);
        }
        for (const s of segmenter.flush()) sentences.push(s);
      } finally {
        sentences.close();
      }
    })();
    let brainError: StageError | undefined;
    const brainFailed = writer.catch((err: unknown) => {
      throw (brainError = toStageError(err, 'brain_failed'));
    });
    brainFailed.catch(() => undefined);
    try {
      for await (const { chunk, format } of speakSentences(sentences, this.providers.tts, signal)) {
        if (!out.hasStarted) this.mark('ttsFirstChunk');
        await out.write(chunk, format);
        if (out.hasStarted && this.timings.firstAudioSent === undefined) this.mark('firstAudioSent');
      }
      await out.flush();
      if (out.hasStarted && this.timings.firstAudioSent === undefined) this.mark('firstAudioSent');
    } catch (err) {
      if (isAbort(err, signal)) throw err;
      if (brainError) throw brainError; // the brain failed first: report it as such
      // Not waiting for the rest of the brain's reply: the turn fails now, and its abort stops the brain and the
      // synthesis of further sentences.
      sentences.close();
      throw toStageError(err, 'tts_failed');
    }
    await brainFailed;
    if (out.hasStarted) this.mark('audioEnd');
    return whole;
  }

  /** After a failure, says so out loud (when TTS itself still works and nothing was spoken yet). */
  private async apologise(out: AudioOut, result: TurnResult): Promise<void> {
    if (out.hasStarted || result.error?.code === 'tts_failed') return;
    const controller = new AbortController();
    const cancel = (): void => controller.abort();
    this.controller.signal.addEventListener('abort', cancel, { once: true });
    try {
      const stream = this.providers.tts.synthesize(FAILURE_REPLY, controller.signal);
      for await (const chunk of stream.chunks) await out.write(chunk, stream.format);
      await out.flush();
    } catch {
      // The error message was sent already; nothing more to say.
    } finally {
      this.controller.signal.removeEventListener('abort', cancel);
    }
  }

  private async stage<T>(code: 'stt_failed' | 'brain_failed', run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isAbort(err, this.controller.signal)) throw err;
      throw toStageError(err, code);
    }
  }
}

async function* once(text: string): AsyncGenerator<string> {
  if (text) yield text;
}
