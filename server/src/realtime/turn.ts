import { type AudioFormat, durationMs, LinearResampler, type Logger } from '@pichat/shared';
import { AudioOut } from '../pipeline/audio-out.js';
import { StageError } from '../pipeline/errors.js';
import type { BrainAction, SpeechToText, TextToSpeech } from '../pipeline/providers.js';
import type { TurnResult, TurnSink } from '../pipeline/turn.js';
import { TurnLifecycle } from '../pipeline/turn-lifecycle.js';
import { ProviderError } from '../providers/errors.js';
import { linkSignal } from '../providers/signals.js';
import { matchSkill, type CompiledSkill, type SkillContext, type SkillMatch } from '../skills/index.js';
import { REALTIME_RATE_HZ, appendAudio, deleteItem, textItem } from './events.js';
import { explainFailure, type FailurePhase } from './explain.js';

/** What the device and chat endpoints need of a turn, pipeline or realtime alike (`Turn` has the same shape). */
export interface VoiceTurn {
  readonly id: string;
  readonly signal: AbortSignal;
  readonly isListening: boolean;
  readonly isFinished: boolean;
  readonly audioInMs: number;
  write(pcm: Uint8Array): void;
  end(): Promise<TurnResult>;
  abort(outcome: 'cancelled' | 'superseded'): Promise<TurnResult>;
}

/** A turn's result with what its realtime responses cost (known when `response.done` came before the end). */
export interface RealtimeTurnResult extends TurnResult {
  cost?: number;
  currency?: string;
}

export const REALTIME_FORMAT: AudioFormat = Object.freeze({ encoding: 'pcm_s16le', sampleRateHz: REALTIME_RATE_HZ, channels: 1 });

export interface RealtimeTurnDeps {
  /** Speaks failure explanations and local skill answers (the offline espeak voice: it works without a network). */
  tts: TextToSpeech;
  /** Recovers the user's words for the history when the model failed before transcribing them. */
  stt?: SpeechToText;
  /** Local skills answered instead of the model when the user's transcript matches one. */
  skills?: readonly CompiledSkill[];
  /** Release → first response event, ms. */
  responseTimeoutMs: number;
  /** Longest silence between events of a running response, ms. */
  idleTimeoutMs: number;
  /** Longest wait for the user's transcript after the response ended, ms (the transcription runs alongside). */
  transcriptWaitMs: number;
  log: Logger;
}

/** What a turn asks of its realtime session. */
export interface TurnLink {
  send(event: ReturnType<typeof appendAudio>): void;
  /** Sends commit + response.create and queues this turn for the answers. */
  commitAndRespond(turn: RealtimeTurn): void;
  /** Sends a user text item + a text-only response.create and queues this turn for the answers. */
  respondToText(turn: RealtimeTurn, text: string): void;
  /** Stops this turn's response (if it is running or about to be created). */
  cancel(turn: RealtimeTurn): void;
  flavor(): 'ga' | 'beta';
  /** Drops the connection: the next turn's starts a new, empty conversation upstream ("new conversation"). */
  restart(): void;
  /** The model did not answer this turn in time: the owner falls back to the pipeline for a while, as it is told. */
  responseTimedOut(turn: RealtimeTurn, error: ProviderError): void;
}

export interface RealtimeTurnOptions {
  id: string;
  format: AudioFormat;
  playback: readonly AudioFormat[];
  context: Omit<SkillContext, 'now'>;
  onAction?: (action: BrainAction) => void;
  now?: () => Date;
  /** The microphone the audio comes from, for the recogniser that recovers a transcript (see SttStartOptions). */
  channel?: string;
}

type Ending = { kind: 'done'; status: string; error?: ProviderError } | { kind: 'skill' } | { kind: 'failed'; error: ProviderError; phase: FailurePhase } | { kind: 'aborted' } | { kind: 'no_speech' };

/** Shorter commits are refused by the API (`input_audio_buffer_commit_empty`). */
const MIN_COMMIT_MS = 100;

/**
 * One push-to-talk turn through a realtime model. Same life as a pipeline `Turn`, same messages to the client:
 *
 * ```
 *  new  ─ (session: response.cancel for a running reply, input_audio_buffer.clear, link opened on demand)
 *  write()* ─ 16 kHz PCM ─► 24 kHz ─► input_audio_buffer.append   (queued until the link is open)
 *  end()    ─ input_audio_buffer.commit + response.create
 *           ◄ response.output_audio.delta* ─► audio.start, 40 ms chunks   ◄ …transcript.delta* ─► reply.delta*
 *           ◄ …input_audio_transcription.completed ─► transcript  (a local skill match: cancel, answer locally)
 *           ◄ response.done{usage} ─► cost                          ─► audio.end, turn.done{timings}
 *  type(text) + end() ─ conversation.item.create{input_text} + response.create{text only} ─► reply.delta*
 *  abort()  ─ response.cancel; the heard part is truncated upstream when playback.done arrives (session)
 *  failure (refused, dropped, timeout) ─► error + a spoken explanation; the session falls back to the pipeline
 * ```
 */
export class RealtimeTurn extends TurnLifecycle<RealtimeTurnResult> implements VoiceTurn {
  /** Set by the session: the response and assistant item this turn produced, and their audio received. */
  responseId: string | undefined;
  assistantItemId: string | undefined;
  userItemId: string | undefined;
  upstreamAudioBytes = 0;
  /** Money this turn's responses and transcription cost so far (the session adds to it). */
  cost = 0;
  /** The response was (or is to be) cancelled by this turn: its late events are ignored. */
  cancelled = false;
  private readonly resampler: LinearResampler;
  private readonly input: Uint8Array[] = [];
  private forwarding = true;
  private transcript: string | undefined;
  private transcriptWaiter: (() => void) | undefined;
  private reply = '';
  private heldDeltas: string[] = [];
  private skill: SkillMatch | undefined;
  private ending: ((e: Ending) => void) | undefined;
  private pendingEnding: Ending | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private out: AudioOut | undefined;
  private audioChain: Promise<void> = Promise.resolve();
  private committed = false;
  private typed: string | undefined;
  private typedSent = false;

  constructor(
    private readonly link: TurnLink,
    private readonly sink: TurnSink,
    private readonly options: RealtimeTurnOptions,
    private readonly deps: RealtimeTurnDeps,
  ) {
    super(options.id, options.format);
    this.resampler = new LinearResampler(options.format, REALTIME_RATE_HZ);
  }

  /** Milliseconds of reply audio received from the model for this turn's assistant item. */
  get upstreamAudioMs(): number {
    return durationMs(REALTIME_FORMAT, this.upstreamAudioBytes);
  }
  /** True while the turn still wants events of its response. */
  get wantsEvents(): boolean {
    return this.phase !== 'finished' && !this.cancelled;
  }

  write(pcm: Uint8Array): void {
    if (this.phase !== 'listening') return;
    if (this.audioBytes === 0) this.mark('firstFrame');
    this.audioBytes += pcm.byteLength;
    this.input.push(pcm);
    // The link failed (refused, dropped): the audio is kept for the fallback recogniser, not queued for a model that
    // will not answer this turn.
    if (this.pendingEnding?.kind === 'failed') return;
    const resampled = this.resampler.push(pcm);
    if (resampled.byteLength > 0) this.link.send(appendAudio(resampled));
  }

  /**
   * Makes this a typed turn (a web chat message): no audio is taken, the text is the user's transcript, and
   * `end()` asks for a text-only answer (reply deltas, no reply audio). A matching local skill answers instead.
   */
  type(text: string): void {
    if (this.phase !== 'listening' || this.typed !== undefined) return;
    this.typed = text;
    this.onTranscript(text);
  }

  protected override aborted(): void {
    this.settle({ kind: 'aborted' });
  }

  // Events routed here by the session. ------------------------------------------------------------------------

  onResponseCreated(responseId: string): void {
    this.responseId = responseId;
    this.mark('responseCreated');
    this.kick();
  }

  onAudio(pcm: Buffer): void {
    this.upstreamAudioBytes += pcm.byteLength;
    this.kick();
    if (!this.forwarding || !this.out) return;
    if (this.timings.modelFirstAudio === undefined) this.mark('modelFirstAudio');
    const out = this.out;
    this.audioChain = this.audioChain.then(async () => {
      if (!this.forwarding) return;
      await out.write(pcm, REALTIME_FORMAT);
      if (out.hasStarted && this.timings.firstAudioSent === undefined) this.mark('firstAudioSent');
    });
  }

  onText(delta: string): void {
    this.kick();
    if (!this.forwarding || !delta) return;
    if (!this.reply) this.mark('modelFirstText');
    this.reply += delta;
    if (this.transcript === undefined) this.heldDeltas.push(delta);
    else this.sink.send({ type: 'reply.delta', turnId: this.id, text: delta });
  }

  onTranscript(text: string): void {
    if (this.transcript !== undefined || this.phase === 'finished') return;
    this.transcript = text;
    this.mark('sttFinal');
    this.sink.send({ type: 'transcript', turnId: this.id, text, final: true });
    for (const d of this.heldDeltas) this.sink.send({ type: 'reply.delta', turnId: this.id, text: d });
    this.heldDeltas = [];
    this.transcriptWaiter?.();
    const match = text && this.deps.skills ? matchSkill(this.deps.skills, text) : undefined;
    if (match) {
      this.skill = match;
      this.settle({ kind: 'skill' });
    }
  }

  onResponseDone(status: string, error?: ProviderError): void {
    this.settle({ kind: 'done', status, ...(error ? { error } : {}) });
  }

  onCommitEmpty(): void {
    this.settle({ kind: 'no_speech' });
  }

  fail(error: ProviderError, phase: FailurePhase): void {
    this.settle({ kind: 'failed', error, phase });
  }

  // ------------------------------------------------------------------------------------------------------------

  private settle(ending: Ending): void {
    if (this.phase === 'finished') return;
    if (this.ending) {
      const resolve = this.ending;
      this.ending = undefined;
      resolve(ending);
    } else {
      this.pendingEnding ??= ending;
    }
  }

  private kick(ms = this.deps.idleTimeoutMs): void {
    if (this.phase !== 'responding') return;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      const error = new ProviderError('timeout', 'openai-realtime: no answer in time', { provider: 'openai-realtime' });
      this.fail(error, 'response');
      this.link.responseTimedOut(this, error);
    }, ms);
  }

  protected async respond(): Promise<RealtimeTurnResult> {
    this.phase = 'responding';
    this.mark('end');
    const result: RealtimeTurnResult = { id: this.id, outcome: 'answered', handler: 'realtime', transcript: '', reply: '', audioMs: 0, timings: this.timings };
    const out = new AudioOut(this.options.playback, {
      start: (format) => this.sink.send({ type: 'audio.start', turnId: this.id, format }),
      chunk: (bytes) => this.sink.sendAudio(bytes),
    });
    this.out = out;
    const ending = new Promise<Ending>((resolve) => (this.ending = resolve));
    if (this.pendingEnding) this.settle(this.pendingEnding);
    else if (this.typed !== undefined) {
      this.link.respondToText(this, this.typed);
      this.typedSent = true;
      this.kick(this.deps.responseTimeoutMs);
    } else if (this.audioInMs < MIN_COMMIT_MS) this.settle({ kind: 'no_speech' });
    else {
      this.committed = true;
      this.link.commitAndRespond(this);
      this.kick(this.deps.responseTimeoutMs);
    }
    let end = await ending;
    if (this.watchdog) clearTimeout(this.watchdog);
    if (end.kind === 'done' && end.status === 'failed') end = { kind: 'failed', error: end.error ?? new ProviderError('server_error', 'openai-realtime: the response failed', { provider: 'openai-realtime' }), phase: 'response' };
    try {
      switch (end.kind) {
        case 'done':
          await this.audioChain;
          await this.waitTranscript();
          if (this.skill) await this.answerLocally(this.skill, result);
          break;
        case 'skill':
          this.stopModel();
          await this.audioChain;
          await this.answerLocally(this.skill!, result);
          break;
        case 'no_speech':
          this.stopModel();
          result.outcome = 'no_speech';
          if (this.transcript === undefined) this.onTranscript('');
          break;
        case 'aborted':
          this.stopModel();
          result.outcome = this.outcomeOnAbort;
          await this.waitTranscript();
          break;
        case 'failed':
          this.stopModel();
          await this.audioChain;
          await this.failed(end.error, end.phase, result);
          break;
      }
      if (!this.controller.signal.aborted) await out.flush();
    } catch (err) {
      this.deps.log.warn('realtime turn ending failed', { turn: this.id, error: err });
    }
    if (this.transcript === undefined) this.onTranscript('');
    if (out.hasStarted) {
      this.sink.send({ type: 'audio.end', turnId: this.id });
      this.mark('audioEnd');
    }
    result.transcript = this.transcript ?? '';
    result.reply ||= this.reply;
    result.audioMs = out.sentMs;
    if (this.cost > 0) result.cost = this.cost;
    this.mark('done');
    this.phase = 'finished';
    this.controller.abort();
    this.sink.send({ type: 'turn.done', turnId: this.id, outcome: result.outcome, ...(result.handler ? { handler: result.handler } : {}), timings: this.timings });
    return result;
  }

  /** Stops forwarding the model's reply and cancels it upstream. */
  private stopModel(): void {
    this.forwarding = false;
    this.heldDeltas = [];
    this.link.cancel(this);
  }

  /** Waits (bounded) for the transcription of the committed audio, which runs beside the response. */
  private waitTranscript(): Promise<void> {
    if (this.transcript !== undefined || !this.committed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.deps.transcriptWaitMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.transcriptWaiter = done;
    });
  }

  /** A local skill answers (volume, time, stop…): its actions run, its words are spoken by the local voice. */
  private async answerLocally(match: SkillMatch, result: RealtimeTurnResult): Promise<void> {
    const answer = match.skill.answer(match.slots, { ...this.options.context, now: this.options.now?.() ?? new Date() });
    result.handler = match.skill.name;
    for (const action of answer.actions) this.options.onAction?.(action);
    if (answer.actions.some((a) => a.type === 'new_conversation')) {
      this.link.restart(); // the model starts afresh too (the recorder's new conversation has nothing to replay)
    } else {
      // The model's conversation keeps the exchange, in place of its own cancelled answer.
      const flavor = this.link.flavor();
      if (this.assistantItemId) this.link.send(deleteItem(this.assistantItemId));
      if (this.typed !== undefined && !this.typedSent) this.link.send(textItem(flavor, 'user', this.typed));
      if (answer.text) this.link.send(textItem(flavor, 'assistant', answer.text));
    }
    if (answer.text) {
      this.sink.send({ type: 'reply.delta', turnId: this.id, text: answer.text });
      await this.speak(answer.text);
    }
    result.reply = answer.text;
  }

  private async failed(error: ProviderError, phase: FailurePhase, result: RealtimeTurnResult): Promise<void> {
    result.outcome = 'failed';
    result.error = new StageError('brain_failed', error.message, error.retryable, { cause: error });
    if (this.transcript === undefined) await this.recoverTranscript();
    const explanation = explainFailure(error, phase);
    this.sink.send({ type: 'error', code: 'brain_failed', message: explanation, turnId: this.id });
    const sep = this.reply && !/\s$/.test(this.reply) ? ' ' : '';
    this.sink.send({ type: 'reply.delta', turnId: this.id, text: `${sep}${explanation}` });
    result.reply = `${this.reply}${sep}${explanation}`;
    await this.speak(explanation);
  }

  /** The model failed before transcribing: the regular recogniser hears the kept audio, so the history has it. */
  private async recoverTranscript(): Promise<void> {
    const stt = this.deps.stt;
    if (!stt || this.input.length === 0) return;
    const signal = AbortSignal.timeout(5000);
    try {
      const stream = stt.start({ format: this.options.format, signal, channel: this.options.channel });
      for (const pcm of this.input) stream.write(pcm);
      const heard = await stream.finish();
      this.onTranscript(heard.text);
    } catch (err) {
      this.deps.log.debug('transcript recovery failed', { turn: this.id, error: err });
    }
  }

  private async speak(text: string): Promise<void> {
    const out = this.out!;
    // A barge-in or a gone device stops the local voice too, not only the model; so does a 15 s limit of its own.
    const speech = linkSignal(this.controller.signal);
    const timer = setTimeout(() => speech.abort(), 15_000);
    try {
      const stream = this.deps.tts.synthesize(text, speech.signal);
      for await (const chunk of stream.chunks) {
        if (speech.signal.aborted) break;
        await out.write(chunk, stream.format);
      }
      if (out.hasStarted && this.timings.firstAudioSent === undefined) this.mark('firstAudioSent');
    } catch (err) {
      if (!speech.signal.aborted) this.deps.log.warn('realtime turn: local speech failed', { turn: this.id, error: err });
    } finally {
      clearTimeout(timer);
      speech.dispose();
    }
  }
}
