import { durationMs, type Logger, type ServerMessage, type Timings } from '@pichat/shared';
import type { LiveBus } from '../live/bus.js';
import type { Brain, BrainAction, TextToSpeech, TtsStream } from '../pipeline/providers.js';
import type { TurnProviders, TurnResult } from '../pipeline/turn.js';
import { costOf, type Price } from '../providers/prices.js';
import type { Usage, UsageSink } from '../providers/usage.js';
import type { Message, Store } from '../store/store.js';
import { heardPrefix, type SpokenSentence } from './heard.js';
import { conversationWire, messageWire } from './wire.js';

/** Where a turn comes from: a device (its conversation continues) or a browser (the conversation it has open). */
export interface TurnOrigin {
  source: 'device' | 'web';
  deviceId?: string;
  deviceName?: string;
  /** The conversation to record into (a browser's open one); undefined = the device's current or a new one. */
  conversationId?: string;
}

/** Watches one turn: wraps its providers, sees every message it sends, hears how playback ended. */
export interface TurnObserver {
  /** The turn's providers with the brain given the conversation history and TTS sentences timed. */
  providers(p: TurnProviders): TurnProviders;
  sent(message: ServerMessage): void;
  action(action: BrainAction): void;
  finished(result: TurnResult): void;
  /** The client's report of how much of the reply it played (`playback.done`). */
  playbackDone(heardMs: number, interrupted: boolean): void;
  /** Resolves when everything this turn wrote is committed (tests, shutdown). */
  readonly settled: Promise<void>;
  /** The conversation this turn is recorded in (created on first need); undefined when the store refused. */
  recordedIn(): Promise<string | undefined>;
}

export interface TurnRecorder {
  begin(origin: TurnOrigin, turnId: string): TurnObserver;
}

export interface RecorderOptions {
  /** A device's conversation continues while its last message is younger than this, ms (default 600 000). */
  idleMs: number;
  /** Most earlier messages handed to the brain (the brain trims further to its own budget). Default 40. */
  historyMessages: number;
  log: Logger;
  now?: () => Date;
}

/**
 * Records every voice (and text) turn into the store and publishes it live:
 *
 * ```
 *  transcript(final) ─► conversation: the device's current one, or a new one after idleMs / "new conversation"
 *                    ─► user message saved ─────────────► live: conversation_created?, message_created
 *  reply.delta* ─────────────────────────────────────────► live: reply_delta
 *  turn finished ─► assistant message saved (timings) ───► live: message_created, turn_done
 *  playback.done{heardMs, interrupted} ─► text cut to what was heard, marked interrupted ─► live: message_updated
 * ```
 * `playback.done` may come before the turn finishes (a barge-in aborts the turn after the device reported) or
 * after (normal playback): both orders give the same stored message. Writes of one turn are chained in order;
 * a failing write is logged and never breaks the turn.
 */
export class ConversationRecorder implements TurnRecorder {
  /** Devices whose next turn starts a new conversation ("new conversation" action). */
  private readonly fresh = new Set<string>();
  /** The turn each provider call belongs to, by the turn's AbortSignal (what usage reports carry). */
  private readonly bySignal = new WeakMap<AbortSignal, Recording>();

  constructor(
    readonly store: Store,
    readonly live: LiveBus,
    readonly options: RecorderOptions,
  ) {}

  begin(origin: TurnOrigin, turnId: string): TurnObserver {
    return new Recording(this, origin, turnId);
  }

  /** The next turn of `deviceId` starts a new conversation. */
  startFresh(deviceId: string): void {
    this.fresh.add(deviceId);
  }

  /** Consumes the "start fresh" mark of a device. */
  takeFresh(deviceId: string): boolean {
    return this.fresh.delete(deviceId);
  }

  /**
   * The conversation a device's next turn continues: its latest, while younger than `idleMs` and no "new conversation"
   * was asked for; undefined when the next turn starts a new one. Changes nothing.
   */
  async nextConversation(deviceId: string): Promise<string | undefined> {
    if (this.fresh.has(deviceId)) return undefined;
    const [latest] = await this.store.listConversations({ deviceId, limit: 1 });
    return latest && this.now().getTime() - Date.parse(latest.lastMessageAt) < this.options.idleMs ? latest.id : undefined;
  }

  now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Notes that provider calls made with `signal` belong to `recording` (its wrappers call this). */
  track(signal: AbortSignal, recording: Recording): void {
    this.bySignal.set(signal, recording);
  }

  /**
   * A usage sink for the providers: every report (LLM tokens, TTS characters, STT audio seconds) is stored with
   * its turn's conversation and device, priced with `prices` (0 when no price matches; the counts are kept).
   */
  usageSink(prices: readonly Price[], currency: string): UsageSink {
    return (usage, signal) => {
      const recording = this.bySignal.get(signal);
      void this.recordUsage(usage, recording, prices, currency).catch((err: unknown) =>
        this.options.log.warn('recording usage failed', { provider: usage.provider, error: err }),
      );
    };
  }

  private async recordUsage(usage: Usage, recording: Recording | undefined, prices: readonly Price[], currency: string): Promise<void> {
    const conversationId = await recording?.recordedIn();
    const details: Record<string, number> =
      usage.kind === 'tokens'
        ? { tokensIn: usage.input, tokensOut: usage.output }
        : usage.kind === 'characters'
          ? { characters: usage.input }
          : { audioSecondsIn: usage.input, audioSecondsOut: usage.output };
    await this.store.addUsage({
      at: this.now(),
      ...(conversationId ? { conversationId } : {}),
      ...(recording?.deviceId ? { deviceId: recording.deviceId } : {}),
      ...(recording ? { turnId: recording.id } : {}),
      provider: usage.provider,
      model: usage.model,
      details: Object.fromEntries(Object.entries(details).filter(([, v]) => v > 0)),
      cost: costOf(usage, prices) ?? 0,
      currency,
    });
  }
}

class Recording implements TurnObserver {
  private chain: Promise<void> = Promise.resolve();
  private conversation: Promise<string | undefined> | undefined;
  private conversationId: string | undefined;
  private transcript = '';
  private reply = '';
  private readonly sentences: { text: string; bytes: number; stream: TtsStream }[] = [];
  private heard: { ms: number; interrupted: boolean } | undefined;
  private result: TurnResult | undefined;
  private assistant: Message | undefined;
  private userMessage: Message | undefined;
  private newConversation = false;

  constructor(
    private readonly recorder: ConversationRecorder,
    private readonly origin: TurnOrigin,
    private readonly turnId: string,
  ) {}

  get settled(): Promise<void> {
    return this.chain;
  }

  recordedIn(): Promise<string | undefined> {
    return this.resolveConversation();
  }

  get id(): string {
    return this.turnId;
  }

  get deviceId(): string | undefined {
    return this.origin.deviceId;
  }

  providers(p: TurnProviders): TurnProviders {
    const stt = p.stt;
    return {
      stt: {
        name: stt.name,
        start: (options) => {
          this.recorder.track(options.signal, this);
          return stt.start(options);
        },
      },
      brain: this.historyBrain(p.brain),
      tts: this.timedTts(p.tts),
    };
  }

  sent(message: ServerMessage): void {
    switch (message.type) {
      case 'transcript':
        if (!message.final) return;
        this.transcript = message.text;
        if (message.text) this.enqueue(() => this.saveUser());
        return;
      case 'reply.delta':
        this.reply += message.text;
        this.enqueue(async () => {
          const conversationId = await this.resolveConversation();
          if (!conversationId) return;
          this.publish('reply_delta', { conversation_id: conversationId, turn_id: this.turnId, text: message.text });
        });
        return;
      default:
        return;
    }
  }

  action(action: BrainAction): void {
    if (action.type !== 'new_conversation') return;
    this.newConversation = true;
    if (this.origin.deviceId && this.origin.source === 'device') this.recorder.startFresh(this.origin.deviceId);
  }

  finished(result: TurnResult): void {
    this.result = result;
    this.enqueue(() => this.saveAssistant(result));
  }

  playbackDone(heardMs: number, interrupted: boolean): void {
    this.heard = { ms: heardMs, interrupted };
    if (!interrupted) return;
    this.enqueue(async () => {
      const saved = this.assistant;
      if (!saved || !this.result) return; // the turn is still running: saveAssistant applies it
      const text = this.heardText(this.result);
      if (text === saved.text && saved.interrupted) return;
      const updated = await this.recorder.store.updateMessage(saved.id, { text, interrupted: true });
      if (updated) {
        this.assistant = updated;
        this.publish('message_updated', { message: messageWire(updated) });
      }
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((err: unknown) => {
      this.recorder.options.log.error('recording a turn failed', { turn: this.turnId, error: err });
    });
  }

  private resolveConversation(): Promise<string | undefined> {
    this.conversation ??= this.findOrCreate().then((id) => (this.conversationId = id));
    return this.conversation;
  }

  private async findOrCreate(): Promise<string | undefined> {
    const { store } = this.recorder;
    const now = this.recorder.now();
    if (this.origin.conversationId) {
      const open = await store.getConversation(this.origin.conversationId);
      if (open) return open.id;
    }
    const deviceId = this.origin.source === 'device' ? this.origin.deviceId : undefined;
    if (deviceId && !this.recorder.takeFresh(deviceId)) {
      const current = await this.recorder.nextConversation(deviceId);
      if (current) return current;
    }
    const created = await store.createConversation({ title: titleFrom(this.transcript), ...(deviceId ? { deviceId } : {}), at: now });
    this.publish('conversation_created', { conversation: conversationWire(created) });
    return created.id;
  }

  private async saveUser(): Promise<void> {
    const conversationId = await this.resolveConversation();
    if (!conversationId || this.userMessage) return;
    const saved = await this.recorder.store.addMessage({
      conversationId,
      role: 'user',
      text: this.transcript,
      source: this.origin.source,
      ...(this.origin.deviceId ? { deviceId: this.origin.deviceId } : {}),
      turnId: this.turnId,
      at: this.recorder.now(),
    });
    if (!saved) return;
    this.userMessage = saved;
    this.publish('message_created', { message: messageWire(saved) });
  }

  private async saveAssistant(result: TurnResult): Promise<void> {
    const { store } = this.recorder;
    const text = this.heardText(result);
    const interrupted = this.wasInterrupted(result);
    const timings: Timings = result.timings;
    const cost = (result as TurnResult & { cost?: number }).cost;
    const details = { timings, outcome: result.outcome, ...(result.handler ? { handler: result.handler } : {}), ...(typeof cost === 'number' ? { cost } : {}) };
    if (!this.transcript && !text) return; // nothing said, nothing answered: no_speech or an early cancel
    const conversationId = await this.resolveConversation();
    if (!conversationId) return;
    // Speech that was not understood but answered ("Sorry, I can't do that offline"): keep the question's place.
    if (!this.userMessage && !this.transcript) await this.saveUser();
    if (text) {
      const saved = await store.addMessage({
        conversationId,
        role: 'assistant',
        text,
        source: this.origin.source,
        ...(this.origin.deviceId ? { deviceId: this.origin.deviceId } : {}),
        turnId: this.turnId,
        interrupted,
        at: this.recorder.now(),
        ...details,
      });
      if (saved) {
        this.assistant = saved;
        this.publish('message_created', { message: messageWire(saved) });
      }
    } else if (this.userMessage) {
      // Asked but nothing was heard back (cancelled before audio, failed): keep the timings on the question.
      const updated = await store.updateMessage(this.userMessage.id, details);
      if (updated) this.publish('message_updated', { message: messageWire(updated) });
    }
    this.publish('turn_done', {
      conversation_id: conversationId,
      turn_id: this.turnId,
      outcome: result.outcome,
      handler: result.handler ?? null,
      timings,
      source: this.origin.source,
      device_id: this.origin.deviceId ?? null,
    });
    if (this.newConversation && this.origin.source === 'web') {
      const created = await store.createConversation({ at: this.recorder.now() });
      this.publish('conversation_created', { conversation: conversationWire(created), started_by_turn: this.turnId });
    }
  }

  /** What the listener heard of the reply: all of it, or (interrupted) the prefix its playback reached. */
  private heardText(result: TurnResult): string {
    const reply = result.reply || this.reply;
    if (!this.wasInterrupted(result)) return reply;
    const spoken = this.spokenSentences();
    const heardMs = this.heard?.ms ?? result.audioMs; // no report: at most what was sent
    return heardPrefix(reply, spoken, heardMs, result.audioMs);
  }

  private wasInterrupted(result: TurnResult): boolean {
    if (this.heard) return this.heard.interrupted;
    return result.outcome === 'cancelled' || result.outcome === 'superseded';
  }

  private spokenSentences(): SpokenSentence[] {
    return this.sentences.map((s) => ({ text: s.text, ms: durationMs(s.stream.format, s.bytes) }));
  }

  private publish(action: string, payload: Record<string, unknown>): void {
    this.recorder.live.publish({
      action,
      payload: { ...payload, ...(this.origin.deviceName ? { device_name: this.origin.deviceName } : {}) },
    });
  }

  private historyBrain(inner: Brain): Brain {
    return {
      reply: async (request, signal) => {
        this.recorder.track(signal, this);
        const conversationId = await this.resolveConversation();
        const earlier = conversationId
          ? await this.recorder.store.listMessages(conversationId, { limit: this.recorder.options.historyMessages + 2 })
          : [];
        const history = earlier
          .filter((m) => m.turnId !== this.turnId && m.text)
          .slice(-this.recorder.options.historyMessages)
          .map((m) => ({ role: m.role, text: m.text }));
        return inner.reply({ ...request, context: { ...request.context, history } }, signal);
      },
    };
  }

  private timedTts(inner: TextToSpeech): TextToSpeech {
    const sentences = this.sentences;
    const track = (signal: AbortSignal): void => this.recorder.track(signal, this);
    return {
      name: inner.name,
      synthesize(text, signal) {
        track(signal);
        const stream = inner.synthesize(text, signal);
        const entry = { text, bytes: 0, stream };
        sentences.push(entry);
        return {
          format: stream.format,
          chunks: (async function* () {
            for await (const chunk of stream.chunks) {
              entry.bytes += chunk.byteLength;
              yield chunk;
            }
          })(),
        };
      },
    };
  }
}

/** A conversation's first title: its first words, capitalised, at most 60 characters. */
export function titleFrom(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  if (!t) return 'New conversation';
  const cut = t.length > 60 ? `${t.slice(0, 57).replace(/\s+\S*$/, '')}…` : t;
  return cut.charAt(0).toUpperCase() + cut.slice(1);
}
