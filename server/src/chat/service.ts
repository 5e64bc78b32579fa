import { randomBytes } from 'node:crypto';
import { decodeWav, encodeWav, type Logger, sameFormat, SPEECH_FORMAT, type Timings } from '@pichat/shared';
import type { LiveBus } from '../live/bus.js';
import type { TextToSpeech } from '../pipeline/providers.js';
import type { TurnProviders, TurnResult } from '../pipeline/turn.js';
import { noticeBrain, type RealtimeRoute, type RealtimeService } from '../realtime/service.js';
import { CONVERSATION_PAGE, conversationCursor, type Settings, type Store } from '../store/store.js';
import { ChatError } from './errors.js';
import type { ChatPayload } from './protocol.js';
import { realtimeTextTurn } from './realtime-text.js';
import { WEB_CHANNEL } from './voice.js';
import { titleFrom, type ConversationRecorder } from './recorder.js';
import type { RequestedVoice } from './settings-env.js';
import { conversationWire, messageWire, searchHitWire, settingsWire } from './wire.js';

export interface ChatServiceDeps {
  store: Store;
  live: LiveBus;
  recorder: ConversationRecorder;
  /** The current providers (they may be rebuilt when settings change). */
  providers: () => TurnProviders;
  log: Logger;
  /** Called after settings changed (main rebuilds providers with the new model, prompt, voice, language). */
  onSettingsChanged?: (settings: Settings) => void | Promise<void>;
  /**
   * The speech for a `text_to_speech` request that names a voice (seed 002's `voice_gender`, `voice_accent`), or
   * undefined to speak with the configured one (main: requested-voice.ts, the offline or Azure voice those settings
   * pick).
   */
  voiceFor?: (voice: RequestedVoice) => Promise<TextToSpeech | undefined>;
  /** Longest text reply, ms, before it is cut (default 120 000). */
  replyTimeoutMs?: number;
  /** Text turns running at once over all browsers; more get `busy` (default 16). */
  maxTextTurns?: number;
  /** Realtime mode: its status and costs for the settings page, and typed messages of a browser (`realtimeHolder`). */
  realtime?: RealtimeService;
}

/** Who asked: a chat connection's id, so that live copies of its own change skip it. */
export type Origin = string | undefined;

/**
 * What the chat socket and the REST API do, once: conversations, messages, text turns through the same brain as
 * voice (skills first), settings, speech helpers. Returns wire shapes (snake_case); throws ChatError.
 */
export class ChatService {
  private readonly running = new Set<AbortController>();

  constructor(private readonly deps: ChatServiceDeps) {}

  /** A page of conversations, newest activity first, and the cursor of the next page (null after the last). */
  async listConversations(p: ChatPayload<'get_conversations'>): Promise<{ conversations: Record<string, unknown>[]; next_before: string | null }> {
    const limit = p?.limit ?? CONVERSATION_PAGE.default;
    const list = await this.deps.store.listConversations({ limit, ...(p?.before ? { before: p.before } : {}) });
    const last = list[list.length - 1];
    return { conversations: list.map(conversationWire), next_before: last && list.length === limit ? conversationCursor(last) : null };
  }

  async createConversation(title: string | undefined, origin: Origin): Promise<Record<string, unknown>> {
    const c = conversationWire(await this.deps.store.createConversation(title ? { title } : {}));
    this.deps.live.publish({ action: 'conversation_created', payload: { conversation: c }, ...(origin ? { origin } : {}) });
    return c;
  }

  async getConversation(id: string, messageLimit?: number): Promise<{ conversation: Record<string, unknown>; messages: Record<string, unknown>[] }> {
    const c = await this.deps.store.getConversation(id);
    if (!c) throw new ChatError('not_found', `no conversation ${id}`);
    const messages = await this.deps.store.listMessages(id, messageLimit ? { limit: messageLimit } : {});
    return { conversation: conversationWire(c), messages: messages.map(messageWire) };
  }

  async renameConversation(id: string, title: string, origin: Origin): Promise<Record<string, unknown>> {
    const c = await this.deps.store.renameConversation(id, title);
    if (!c) throw new ChatError('not_found', `no conversation ${id}`);
    const wire = conversationWire(c);
    this.deps.live.publish({ action: 'conversation_updated', payload: { conversation: wire }, ...(origin ? { origin } : {}) });
    return wire;
  }

  async deleteConversation(id: string, origin: Origin): Promise<void> {
    if (!(await this.deps.store.deleteConversation(id))) throw new ChatError('not_found', `no conversation ${id}`);
    this.deps.live.publish({ action: 'conversation_deleted', payload: { id }, ...(origin ? { origin } : {}) });
  }

  async listMessages(p: ChatPayload<'get_messages'>): Promise<Record<string, unknown>[]> {
    if (p.after_id !== undefined && p.before_id !== undefined) throw new ChatError('invalid_payload', 'after_id and before_id: one or the other');
    if (!(await this.deps.store.getConversation(p.conversation_id))) throw new ChatError('not_found', `no conversation ${p.conversation_id}`);
    const opts = {
      ...(p.after_id !== undefined ? { afterId: p.after_id } : {}),
      ...(p.before_id !== undefined ? { beforeId: p.before_id } : {}),
      ...(p.limit ? { limit: p.limit } : {}),
    };
    return (await this.deps.store.listMessages(p.conversation_id, opts)).map(messageWire);
  }

  async search(query: string, limit?: number): Promise<Record<string, unknown>[]> {
    return (await this.deps.store.search(query, limit ? { limit } : {})).map(searchHitWire);
  }

  async getSettings(): Promise<Record<string, unknown>> {
    return settingsWire(await this.deps.store.getSettings(), this.deps.realtime?.status());
  }

  /** Recorded cost: everything, per device, and (given) one conversation's. */
  async costs(conversationId?: string): Promise<Record<string, unknown>> {
    const { store } = this.deps;
    const [total, byDevice] = await Promise.all([store.usageTotals(), store.usageByDevice()]);
    const conversation = conversationId ? await store.usageTotals({ conversationId }) : undefined;
    return {
      total,
      devices: byDevice.map((d) => ({ device_id: d.deviceId, cost: d.cost, currency: d.currency, records: d.records })),
      ...(conversation ? { conversation: { id: conversationId, ...conversation } } : {}),
      realtime: this.deps.realtime?.status() ?? null,
    };
  }

  async updateSettings(patch: ChatPayload<'update_settings'>, origin: Origin): Promise<Record<string, unknown>> {
    const current = await this.deps.store.getSettings();
    const next: Partial<Settings> = {
      ...(patch.selected_model !== undefined ? { selected_model: patch.selected_model } : {}),
      ...(patch.system_prompt !== undefined ? { system_prompt: patch.system_prompt } : {}),
      ...(patch.language !== undefined ? { language: patch.language } : {}),
      ...(patch.voice_settings ? { voice_settings: { ...current.voice_settings, ...patch.voice_settings } } : {}),
      ...(patch.voice_mode !== undefined ? { voice_mode: patch.voice_mode } : {}),
      ...(patch.device_voice_modes !== undefined ? { device_voice_modes: patch.device_voice_modes } : {}),
      ...(patch.realtime_model !== undefined ? { realtime_model: patch.realtime_model } : {}),
      ...(patch.realtime_voice !== undefined ? { realtime_voice: patch.realtime_voice } : {}),
      ...(patch.realtime_instructions !== undefined ? { realtime_instructions: patch.realtime_instructions } : {}),
    };
    const saved = await this.deps.store.updateSettings(next);
    try {
      await this.deps.onSettingsChanged?.(saved);
    } catch (err) {
      this.deps.log.warn('applying settings failed', { error: err });
    }
    const wire = settingsWire(saved, this.deps.realtime?.status());
    this.deps.live.publish({ action: 'settings_updated', payload: { settings: wire }, ...(origin ? { origin } : {}) });
    return wire;
  }

  /**
   * Starts a text turn: the user's message is recorded, the brain (skills first) answers with streamed deltas that
   * every browser receives live, and the reply is recorded with its timings. Resolves when the turn has started
   * (its conversation and turn ids); `done` resolves when the reply is recorded.
   *
   * With `realtimeHolder` (a chat connection's realtime session key) and realtime mode chosen, the realtime model
   * answers instead (text in, text out); when realtime cannot run the pipeline answers, once with a notice saying why.
   */
  async sendMessage(
    p: { conversation_id?: string | undefined; content: string },
    origin: Origin,
    realtimeHolder?: string,
  ): Promise<{ conversationId: string; turnId: string; created?: Record<string, unknown>; done: Promise<TurnResult> }> {
    if (this.running.size >= (this.deps.maxTextTurns ?? 16)) throw new ChatError('busy', 'too many replies are being written; try again in a moment');
    let conversationId = p.conversation_id;
    let created: Record<string, unknown> | undefined;
    if (conversationId) {
      if (!(await this.deps.store.getConversation(conversationId))) throw new ChatError('not_found', `no conversation ${conversationId}`);
    } else {
      created = await this.createConversation(titleFrom(p.content), origin);
      conversationId = created.id as string;
    }
    const turnId = `web-${randomBytes(6).toString('hex')}`;
    const done = this.runTextTurn(conversationId, turnId, p.content, realtimeHolder);
    return { conversationId, turnId, ...(created ? { created } : {}), done };
  }

  private async runTextTurn(conversationId: string, turnId: string, text: string, realtimeHolder?: string): Promise<TurnResult> {
    const started = performance.now();
    const timings: Timings = { start: 0 };
    const mark = (name: string): void => void (timings[name] = Math.round((performance.now() - started) * 100) / 100);
    const observer = this.deps.recorder.begin({ source: 'web', conversationId }, turnId);
    const realtime = this.deps.realtime;
    const route: RealtimeRoute = realtime && realtimeHolder ? realtime.route(realtimeHolder, { conversationId }) : { kind: 'pipeline' };
    const controller = new AbortController();
    this.running.add(controller);
    const timer = setTimeout(() => controller.abort(), this.deps.replyTimeoutMs ?? 120_000);
    if (route.kind === 'realtime') {
      realtime!.attribute(route.session, turnId, { observer });
      try {
        const result = await realtimeTextTurn(route.session, observer, { turnId, text, signal: controller.signal });
        observer.finished(result);
        await observer.settled;
        return result;
      } finally {
        clearTimeout(timer);
        this.running.delete(controller);
      }
    }
    let providers = observer.providers(this.deps.providers());
    if (route.notice) providers = { ...providers, brain: noticeBrain(providers.brain, route.notice) };
    const result: TurnResult = { id: turnId, outcome: 'answered', transcript: text, reply: '', audioMs: 0, timings };
    try {
      observer.sent({ type: 'transcript', turnId, text, final: true });
      const history = await this.deps.store.listMessages(conversationId, { limit: 4 });
      const lastReply = [...history].reverse().find((m) => m.role === 'assistant')?.text;
      const reply = await providers.brain.reply(
        { text, context: { volume: 50, now: new Date(), ...(lastReply ? { lastReply } : {}) } },
        controller.signal,
      );
      result.handler = reply.handler;
      for (const action of reply.actions) observer.action(action);
      for await (const delta of reply.text) {
        if (controller.signal.aborted) break;
        if (!delta) continue;
        if (!result.reply) mark('brainFirstText');
        result.reply += delta;
        observer.sent({ type: 'reply.delta', turnId, text: delta });
      }
      if (controller.signal.aborted) result.outcome = 'cancelled';
    } catch (err) {
      result.outcome = controller.signal.aborted ? 'cancelled' : 'failed';
      if (!controller.signal.aborted) this.deps.log.warn('text turn failed', { turn: turnId, error: err });
    } finally {
      clearTimeout(timer);
      this.running.delete(controller);
    }
    mark('done');
    observer.finished(result);
    await observer.settled;
    return result;
  }

  /** Speaks `text` with the configured TTS, or the one `voiceFor` gives for a named voice; returns a WAV file. */
  async textToSpeech(text: string, signal: AbortSignal, voice: RequestedVoice = {}): Promise<{ wav: Uint8Array; sampleRateHz: number; voice: string }> {
    const named = voice.gender || voice.accent ? await this.deps.voiceFor?.(voice) : undefined;
    const tts = named ?? this.deps.providers().tts;
    const stream = tts.synthesize(text, signal);
    const parts: Uint8Array[] = [];
    let bytes = 0;
    try {
      for await (const chunk of stream.chunks) {
        parts.push(chunk);
        bytes += chunk.byteLength;
        if (bytes > 20 * 1024 * 1024) throw new ChatError('too_large', 'the speech is too long');
      }
    } catch (err) {
      if (err instanceof ChatError) throw err;
      throw new ChatError('provider_failed', 'text to speech failed');
    }
    const pcm = new Uint8Array(bytes);
    let offset = 0;
    for (const p of parts) (pcm.set(p, offset), (offset += p.byteLength));
    return { wav: encodeWav(stream.format, pcm), sampleRateHz: stream.format.sampleRateHz, voice: tts.name };
  }

  /** Recognises a WAV (16 kHz mono 16-bit) or raw 16 kHz PCM with the configured STT. */
  async speechToText(audio: Uint8Array, signal: AbortSignal): Promise<{ text: string; rejected: boolean }> {
    let pcm = audio;
    if (audio.byteLength >= 12 && Buffer.from(audio.subarray(0, 4)).toString('latin1') === 'RIFF') {
      let wav;
      try {
        wav = decodeWav(audio);
      } catch {
        throw new ChatError('invalid_payload', 'payload.audio_data: not a readable WAV file');
      }
      if (!sameFormat(wav.format, SPEECH_FORMAT)) throw new ChatError('invalid_payload', 'payload.audio_data: send 16 kHz mono 16-bit audio');
      pcm = wav.pcm;
    }
    if (pcm.byteLength % 2 !== 0) pcm = pcm.subarray(0, pcm.byteLength - 1);
    const stream = this.deps.providers().stt.start({ format: SPEECH_FORMAT, signal, channel: WEB_CHANNEL });
    for (let i = 0; i < pcm.byteLength; i += 3200) stream.write(pcm.subarray(i, Math.min(pcm.byteLength, i + 3200)));
    try {
      const result = await stream.finish();
      return { text: result.text, rejected: result.rejected ?? false };
    } catch {
      throw new ChatError('provider_failed', 'speech to text failed');
    }
  }

  /** Stops every running text turn (shutdown). */
  close(): void {
    for (const c of this.running) c.abort();
  }
}
