import { randomBytes } from 'node:crypto';
import type { ClientOptions as WsClientOptions } from 'ws';
import type { Logger } from '@pichat/shared';
import type { TurnObserver } from '../chat/recorder.js';
import type { LiveBus } from '../live/bus.js';
import type { Brain, SpeechToText, TextToSpeech } from '../pipeline/providers.js';
import type { ProviderError } from '../providers/errors.js';
import type { CompiledSkill } from '../skills/index.js';
import { DEFAULT_SETTINGS, type Settings, type Store } from '../store/store.js';
import { DEFAULT_INSTRUCTIONS, type RealtimeSetup } from './config.js';
import { openAiConnector, type RealtimeConnector } from './connector.js';
import { textItem, type ClientEvent, type RealtimeSessionConfig } from './events.js';
import { unavailableNotice } from './explain.js';
import { RealtimeSession, type UsageReport } from './session.js';
import { RealtimeUpstream } from './upstream.js';

export interface RealtimeServiceDeps {
  setup: RealtimeSetup;
  /** The local voice for explanations and skill answers (espeak-ng: works when the network does not). */
  tts: TextToSpeech;
  /** The regular recogniser, to keep the user's words in the history when the model failed first. */
  stt?: SpeechToText;
  /** Local skills answered instead of the model (volume, time, stop…). Default: none. */
  skills?: readonly CompiledSkill[];
  /** Default: the `openai` SDK's realtime WebSocket client for the configured provider. */
  connector?: RealtimeConnector;
  /** Extra `ws` options for the default connector (tests: the stand-in's CA certificate). */
  wsOptions?: WsClientOptions;
  store?: Store;
  live?: LiveBus;
  log: Logger;
  now?: () => number;
}

/** Which way a turn goes. `notice` is said once when realtime was chosen but cannot run. */
export type RealtimeRoute = { kind: 'realtime'; session: RealtimeSession } | { kind: 'pipeline'; notice?: string };

/** What the settings page shows. */
export interface RealtimeStatus {
  available: boolean;
  reason: string | null;
  mode: 'pipeline' | 'realtime';
  provider: string;
  model: string;
  voice: string;
  currency: string;
  sessions: { id: string; holder: string; state: string; cost: number; fallback_until: string | null }[];
}

/** Whose a realtime session is: a device's, or a browser's in one conversation (none yet for a new chat). */
export interface SessionOwner {
  deviceId?: string;
  conversationId?: string;
}

/** Which conversation a device's next turn continues (ConversationRecorder.nextConversation). */
export interface ConversationLookup {
  nextConversation(deviceId: string): Promise<string | undefined>;
}

/**
 * Most messages of the conversation replayed into a reopened link (after an idle close, a drop or a new model): the
 * recent exchanges a follow-up question leans on, a few hundred tokens of text input.
 */
const REPLAY_MESSAGES = 20;

/**
 * Realtime mode for the whole server: decides per turn whether it goes to the realtime model or the pipeline
 * (settings, per-device override, availability, fallback after a failure), owns one `RealtimeSession` per device or
 * browser, records usage and cost in the store and publishes them live (`realtime_usage`).
 *
 * Fallback: a refused link (bad key, quota, unknown model) sends that device's turns through the pipeline for
 * `refusedFallbackMs`; a dropped link or a timeout for `fallbackMs`, or until the link reconnects.
 */
export class RealtimeService {
  private settings: Settings = DEFAULT_SETTINGS;
  private readonly sessions = new Map<string, RealtimeSession>();
  private readonly fallbackUntil = new Map<string, number>();
  private readonly noticed = new Set<string>();
  private readonly attribution = new Map<string, { deviceId?: string; observer?: TurnObserver }>();
  private recorder: ConversationLookup | undefined;
  private readonly connector: RealtimeConnector;
  private store: Store | undefined;
  private live: LiveBus | undefined;

  constructor(private readonly deps: RealtimeServiceDeps) {
    const { setup } = deps;
    this.connector =
      deps.connector ??
      openAiConnector({
        provider: setup.provider,
        apiKey: setup.apiKey ?? '',
        ...(setup.provider === 'azure' ? { azureEndpoint: setup.baseUrl, azureApiVersion: setup.azureApiVersion } : { baseUrl: setup.baseUrl }),
        connectTimeoutMs: setup.connectTimeoutMs,
        ...(deps.wsOptions ? { wsOptions: deps.wsOptions } : {}),
      });
    this.attach({ ...(deps.store ? { store: deps.store } : {}), ...(deps.live ? { live: deps.live } : {}) });
  }

  /**
   * Gives the service the app's store (settings, usage), live bus and conversation recorder; build() calls it.
   * Resolves once settings are read.
   */
  async attach(parts: { store?: Store; live?: LiveBus; recorder?: ConversationLookup }): Promise<void> {
    if (parts.live) this.live = parts.live;
    if (parts.recorder) this.recorder = parts.recorder;
    if (parts.store && parts.store !== this.store) {
      this.store = parts.store;
      try {
        this.settings = await parts.store.getSettings();
      } catch (err) {
        this.deps.log.warn('realtime: reading settings failed', { error: err });
      }
    }
  }

  /** Why realtime mode cannot run, or undefined. */
  get unavailable(): string | undefined {
    return this.deps.setup.unavailable;
  }

  /** New settings (from the web UI): a new model restarts the links, other changes are sent as session.update. */
  applySettings(next: Settings): void {
    const before = this.sessionConfig();
    this.settings = next;
    const after = this.sessionConfig();
    for (const s of this.sessions.values()) {
      if (before.model !== after.model) s.restart();
      else if (before.voice !== after.voice || before.instructions !== after.instructions || before.language !== after.language) s.upstream.reconfigure();
    }
    this.fallbackUntil.clear();
    this.noticed.clear();
  }

  /** The mode chosen for a device (or for browsers, without one). */
  modeFor(deviceId?: string): 'pipeline' | 'realtime' {
    const perDevice = deviceId ? this.settings.device_voice_modes?.[deviceId] : undefined;
    return perDevice || this.settings.voice_mode || this.deps.setup.defaultMode;
  }

  /**
   * Decides where the next turn of `holder` goes. A holder is a device (`deviceId`) or a browser in one conversation
   * (`conversationId`, none yet for a new chat; the chat connection releases the holder when its page moves to
   * another), so its session keeps what it was opened with.
   */
  route(holder: string, owner: SessionOwner = {}): RealtimeRoute {
    const { deviceId } = owner;
    if (this.modeFor(deviceId) !== 'realtime') return { kind: 'pipeline' };
    const reason = this.unavailable;
    if (reason) {
      if (this.noticed.has(holder)) return { kind: 'pipeline' };
      this.noticed.add(holder);
      return { kind: 'pipeline', notice: unavailableNotice(reason) };
    }
    const until = this.fallbackUntil.get(holder);
    if (until !== undefined && this.now() < until) return { kind: 'pipeline' };
    this.fallbackUntil.delete(holder);
    return { kind: 'realtime', session: this.sessionFor(holder, owner) };
  }

  /**
   * Ties a turn of `session` to its device and recorder, so that its usage lands in the right conversation. Keyed by
   * the session too: turn ids are chosen by each client, and two devices may well both send `t1`.
   */
  attribute(session: RealtimeSession, turnId: string, who: { deviceId?: string; observer?: TurnObserver }): void {
    this.attribution.set(attributionKey(session.id, turnId), who);
    while (this.attribution.size > 256) this.attribution.delete(this.attribution.keys().next().value!);
  }

  /** A `playback.done` of `holder` (truncates an interrupted realtime reply upstream). */
  playbackDone(holder: string, turnId: string, heardMs: number, interrupted: boolean): void {
    this.sessions.get(holder)?.playbackDone(turnId, heardMs, interrupted);
  }

  /** The session of `holder`, if one exists (tests, stats). */
  session(holder: string): RealtimeSession | undefined {
    return this.sessions.get(holder);
  }

  /** The device or browser went away: its link closes. */
  release(holder: string): void {
    this.sessions.get(holder)?.close();
    this.sessions.delete(holder);
    this.fallbackUntil.delete(holder);
    this.noticed.delete(holder);
  }

  status(): RealtimeStatus {
    const config = this.sessionConfig();
    return {
      available: !this.unavailable,
      reason: this.unavailable ?? null,
      mode: this.modeFor(),
      provider: this.deps.setup.provider,
      model: config.model,
      voice: config.voice,
      currency: this.deps.setup.prices.currency,
      sessions: [...this.sessions.entries()].map(([holder, s]) => {
        const until = this.fallbackUntil.get(holder);
        return { id: s.id, holder, state: s.upstream.state, cost: s.cost, fallback_until: until && until > this.now() ? new Date(until).toISOString() : null };
      }),
    };
  }

  close(): void {
    for (const holder of [...this.sessions.keys()]) this.release(holder);
  }

  /** The configuration every session opens with: settings over the environment. */
  sessionConfig(): RealtimeSessionConfig {
    const { setup } = this.deps;
    const s = this.settings;
    return {
      model: s.realtime_model?.trim() || setup.model,
      voice: s.realtime_voice?.trim() || setup.voice,
      instructions: s.realtime_instructions?.trim() || s.system_prompt?.trim() || setup.instructions || DEFAULT_INSTRUCTIONS,
      transcribeModel: setup.transcribeModel,
      language: s.language?.trim() || setup.language,
      flavor: setup.flavor,
    };
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private sessionFor(holder: string, owner: SessionOwner): RealtimeSession {
    const existing = this.sessions.get(holder);
    if (existing) return existing;
    const { setup, log } = this.deps;
    const upstream = new RealtimeUpstream({
      connector: this.connector,
      config: () => this.sessionConfig(),
      pingIntervalMs: setup.pingIntervalMs,
      idleCloseMs: setup.idleCloseMs,
      reconnectBaseMs: setup.reconnectBaseMs,
      reconnectMaxMs: setup.reconnectMaxMs,
      maxQueueBytes: 4 * 1024 * 1024,
      context: () => this.conversationSoFar(owner),
      log,
    });
    const session = new RealtimeSession({
      id: `rt_${randomBytes(6).toString('hex')}`,
      upstream,
      turn: {
        tts: this.deps.tts,
        ...(this.deps.stt ? { stt: this.deps.stt } : {}),
        ...(setup.skills && this.deps.skills ? { skills: this.deps.skills } : {}),
        responseTimeoutMs: setup.responseTimeoutMs,
        idleTimeoutMs: setup.idleTimeoutMs,
        transcriptWaitMs: setup.transcriptWaitMs,
        log,
      },
      prices: () => setup.prices,
      config: () => this.sessionConfig(),
      onUsage: (report) => void this.recordUsage(report, owner.deviceId).catch((err: unknown) => log.warn('recording realtime usage failed', { error: err })),
      onFailure: (error, phase) => this.onFailure(holder, error, phase),
      onOpen: () => this.fallbackUntil.delete(holder),
      log,
    });
    this.sessions.set(holder, session);
    return session;
  }

  /**
   * What `owner`'s conversation holds so far, as text items for its reopened link: the last REPLAY_MESSAGES messages
   * of the conversation its next turn will be recorded in. A browser's is the one it is in (none for a new chat); a
   * device's is the one the recorder continues (none once it is idle for longer than a conversation lasts, or after
   * "new conversation").
   */
  private async conversationSoFar(owner: SessionOwner): Promise<ClientEvent[]> {
    const store = this.store;
    if (!store) return [];
    const conversationId = owner.deviceId ? await this.recorder?.nextConversation(owner.deviceId) : owner.conversationId;
    if (!conversationId) return [];
    const messages = await store.listMessages(conversationId, { limit: REPLAY_MESSAGES });
    const flavor = this.sessionConfig().flavor;
    return messages.filter((m) => m.text.trim()).map((m) => textItem(flavor, m.role, m.text));
  }

  private onFailure(holder: string, error: ProviderError, phase: string): void {
    const ms = error.retryable ? this.deps.setup.fallbackMs : this.deps.setup.refusedFallbackMs;
    this.fallbackUntil.set(holder, this.now() + ms);
    this.deps.log.warn('realtime mode falling back to the pipeline', { holder, code: error.code, phase, forMs: ms });
  }

  private async recordUsage(report: UsageReport, deviceId: string | undefined): Promise<void> {
    const who = report.turnId ? this.attribution.get(attributionKey(report.sessionId, report.turnId)) : undefined;
    const conversationId = await who?.observer?.recordedIn();
    const device = who?.deviceId ?? deviceId;
    const details = Object.fromEntries(Object.entries(report.breakdown).filter(([, v]) => v > 0));
    const store = this.store;
    await store?.addUsage({
      ...(conversationId ? { conversationId } : {}),
      ...(device ? { deviceId: device } : {}),
      ...(report.turnId ? { turnId: report.turnId } : {}),
      sessionId: report.sessionId,
      provider: report.kind === 'response' ? `${this.deps.setup.provider}-realtime` : `${this.deps.setup.provider}-realtime-transcription`,
      model: report.model,
      details,
      cost: report.cost,
      currency: report.currency,
    });
    const conversationCost = conversationId && store ? (await store.usageTotals({ conversationId })).cost : null;
    this.live?.publish({
      action: 'realtime_usage',
      payload: {
        session_id: report.sessionId,
        device_id: device ?? null,
        conversation_id: conversationId ?? null,
        turn_id: report.turnId ?? null,
        kind: report.kind,
        details,
        cost: report.cost,
        session_cost: report.sessionCost,
        conversation_cost: conversationCost,
        currency: report.currency,
      },
    });
  }
}

/** A brain whose reply starts with `notice` (said once when realtime was chosen but cannot run). */
export function noticeBrain(inner: Brain, notice: string): Brain {
  return {
    reply: async (request, signal) => {
      const reply = await inner.reply(request, signal);
      async function* text(): AsyncGenerator<string> {
        yield `${notice} `;
        yield* reply.text;
      }
      return { ...reply, text: text() };
    },
  };
}

function attributionKey(sessionId: string, turnId: string): string {
  return `${sessionId}\n${turnId}`;
}
