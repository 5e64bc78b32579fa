import { randomBytes } from 'node:crypto';
import type { Logger, ServerMessage } from '@pichat/shared';
import type { WebSocket } from 'ws';
import type { LiveBus } from '../live/bus.js';
import type { TurnProviders } from '../pipeline/turn.js';
import type { RealtimeService } from '../realtime/service.js';
import { ChatError, toChatError } from './errors.js';
import { decodeChatRequest, encodeChat, type ChatRequest } from './protocol.js';
import type { ConversationRecorder } from './recorder.js';
import type { ChatService } from './service.js';
import type { RequestedVoice } from './settings-env.js';
import { BrowserVoiceTurn } from './voice.js';

export interface ChatLimits {
  /** Bytes queued towards one browser above which it is dropped as not reading (close 4008). Default 1 MiB. */
  maxBufferedBytes: number;
  /** Requests of one connection being handled at once; more get `busy`. Default 8. */
  maxInFlight: number;
  /** Ping interval, ms; a browser silent for two intervals is dropped. Default 30 000. */
  pingIntervalMs: number;
  /** Longest browser push-to-talk turn, ms of audio. Default 30 000. */
  maxTurnMs: number;
  /** Largest microphone frame, bytes. Default 64 KiB. */
  maxFrameBytes: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  maxBufferedBytes: 1024 * 1024,
  maxInFlight: 8,
  pingIntervalMs: 30_000,
  maxTurnMs: 30_000,
  maxFrameBytes: 64 * 1024,
};

/** Close code for a browser that stopped reading (its queue passed maxBufferedBytes). */
export const CLOSE_TOO_SLOW = 4008;

export interface ChatConnectionDeps {
  service: ChatService;
  live: LiveBus;
  recorder: ConversationRecorder;
  providers: () => TurnProviders;
  limits: ChatLimits;
  log: Logger;
  /** Realtime mode for browser push-to-talk and typed messages (absent: the pipeline). */
  realtime?: RealtimeService;
}

/**
 * One browser on /ws/chat: answers its requests, forwards live events to it, and runs its push-to-talk turns.
 * Nothing a browser sends can throw out of here; a browser that stops reading is dropped before its queue grows
 * past `maxBufferedBytes`, so a stalled tab cannot make the server's memory grow.
 */
export class ChatConnection {
  readonly id = `chat_${randomBytes(6).toString('hex')}`;
  private readonly unsubscribe: () => void;
  private inFlight = 0;
  private voice: BrowserVoiceTurn | undefined;
  private readonly voices: BrowserVoiceTurn[] = [];
  private alive = true;
  private readonly ping: NodeJS.Timeout;
  private closed = false;
  private realtimeConversation: string | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: ChatConnectionDeps,
  ) {
    this.unsubscribe = deps.live.subscribe((event, encoded) => {
      if (event.origin !== this.id) this.push(encoded);
    });
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer | Buffer[] | ArrayBuffer, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => this.onClose());
    ws.on('error', (err) => deps.log.debug('chat socket error', { connection: this.id, error: err }));
    this.ping = setInterval(() => {
      if (!this.alive) return void this.ws.terminate();
      this.alive = false;
      try {
        this.ws.ping();
      } catch {
        // the close handler cleans up
      }
    }, deps.limits.pingIntervalMs);
    this.ping.unref();
  }

  /** Queues a text frame (a string, or UTF-8 bytes shared by all sockets), or drops a browser that is not reading. */
  push(text: string | Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount + text.length > this.deps.limits.maxBufferedBytes) return this.dropSlow();
    this.ws.send(text, { binary: false });
  }

  private send(action: string, payload: Record<string, unknown>, requestId?: string): void {
    this.push(encodeChat(action, payload, requestId));
  }

  private dropSlow(): void {
    if (this.closed) return;
    this.deps.log.info('chat connection dropped: not reading', { connection: this.id, buffered: this.ws.bufferedAmount });
    this.onClose();
    // close() would queue a close frame behind the stuck data: terminate frees the buffers at once.
    this.ws.terminate();
  }

  private onFrame(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (this.closed) return; // as a device session: nothing starts on a connection already let go
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) return this.onAudio(bytes);
    const decoded = decodeChatRequest(bytes.toString('utf8'));
    if (!decoded.ok) {
      return this.send('error', { code: decoded.code, message: decoded.message, ...(decoded.action ? { action: decoded.action } : {}) }, decoded.requestId);
    }
    const request = decoded.request;
    if (this.inFlight >= this.deps.limits.maxInFlight) {
      return this.send('error', { code: 'busy', message: 'too many requests at once; wait for answers', action: request.action }, request.requestId);
    }
    this.inFlight++;
    this.handle(request)
      .catch((err: unknown) => {
        const e = toChatError(err);
        if (e.code === 'internal') this.deps.log.error('chat request failed', { action: request.action, error: err });
        this.send('error', { code: e.code, message: e.message, action: request.action }, request.requestId);
      })
      .finally(() => this.inFlight--);
  }

  private async handle(request: ChatRequest): Promise<void> {
    const { service } = this.deps;
    const rid = request.requestId;
    switch (request.action) {
      case 'get_conversations':
        return this.send('conversations_list', await service.listConversations(request.payload), rid);
      case 'create_conversation':
        return this.send('conversation_created', { conversation: await service.createConversation(request.payload?.title, this.id) }, rid);
      case 'get_conversation':
        return this.send('conversation', await service.getConversation(request.payload.id), rid);
      case 'update_conversation':
        return this.send('conversation_updated', { conversation: await service.renameConversation(request.payload.id, request.payload.title, this.id) }, rid);
      case 'delete_conversation':
        await service.deleteConversation(request.payload.id, this.id);
        return this.send('conversation_deleted', { id: request.payload.id }, rid);
      case 'send_message': {
        const started = await service.sendMessage(request.payload, this.id, this.realtimeHolder(request.payload.conversation_id));
        if (started.created) this.send('conversation_created', { conversation: started.created }, rid);
        this.send('message_sent', { conversation_id: started.conversationId, turn_id: started.turnId }, rid);
        if (request.payload.is_audio) {
          const result = await started.done;
          if (result.reply) await this.speak(result.reply, rid, { turnId: started.turnId });
        }
        return;
      }
      case 'get_messages':
        return this.send('messages_list', { conversation_id: request.payload.conversation_id, messages: await service.listMessages(request.payload) }, rid);
      case 'get_settings':
        return this.send('settings', { settings: await service.getSettings() }, rid);
      case 'update_settings':
        return this.send('settings_updated', { settings: await service.updateSettings(request.payload, this.id) }, rid);
      case 'text_to_speech':
        return this.speak(request.payload.text, rid, { voice: { gender: request.payload.voice_gender, accent: request.payload.voice_accent } });
      case 'speech_to_text': {
        const audio = Buffer.from(request.payload.audio_data, 'base64');
        const heard = await service.speechToText(audio, AbortSignal.timeout(30_000));
        return this.send('transcription', { text: heard.text, rejected: heard.rejected }, rid);
      }
      case 'search':
        return this.send('search_results', { query: request.payload.query, results: await service.search(request.payload.query, request.payload.limit) }, rid);
      case 'voice_start':
        return this.startVoice(request.payload?.turn_id, request.payload?.conversation_id, rid, request.payload?.browser_id);
      case 'voice_end': {
        const voice = this.findVoice(request.payload.turn_id);
        if (!voice) throw new ChatError('not_found', `turn ${request.payload.turn_id} is not running`);
        await voice.end();
        return;
      }
      case 'voice_cancel': {
        const voice = this.findVoice(request.payload.turn_id);
        if (!voice) throw new ChatError('not_found', `turn ${request.payload.turn_id} is not running`);
        await voice.cancel();
        return;
      }
      case 'playback_done':
        this.findVoice(request.payload.turn_id)?.observer.playbackDone(request.payload.heard_ms, request.payload.interrupted);
        this.deps.realtime?.playbackDone(this.holder, request.payload.turn_id, request.payload.heard_ms, request.payload.interrupted);
        return;
      case 'get_costs':
        return this.send('costs', await service.costs(request.payload?.conversation_id), rid);
      case 'ping':
        return this.send('pong', {}, rid);
    }
  }

  /** Sends `text` spoken as an `audio` message: `turnId` ties it to a turn, `voice` names the voice to use. */
  private async speak(text: string, rid: string | undefined, { turnId, voice }: { turnId?: string; voice?: RequestedVoice } = {}): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 60_000);
    try {
      const spoken = await this.deps.service.textToSpeech(text, controller.signal, voice);
      this.send(
        'audio',
        { format: 'wav', sample_rate_hz: spoken.sampleRateHz, voice: spoken.voice, audio_data: Buffer.from(spoken.wav).toString('base64'), ...(turnId ? { turn_id: turnId } : {}) },
        rid,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private startVoice(turnId: string | undefined, conversationId: string | undefined, rid: string | undefined, browserId?: string): void {
    const previous = this.voice;
    if (previous && !previous.turn.isFinished) void previous.supersede();
    const id = turnId ?? `ptt-${randomBytes(6).toString('hex')}`;
    const realtime = this.deps.realtime;
    const route = realtime?.route(this.realtimeHolder(conversationId), conversationId ? { conversationId } : {});
    const voice = new BrowserVoiceTurn(this.deps.providers(), this.deps.recorder, this.transport(), {
      turnId: id,
      ...(conversationId ? { conversationId } : {}),
      maxTurnMs: this.deps.limits.maxTurnMs,
      ...(route ? { route } : {}),
      ...(browserId ? { browserId } : {}),
    });
    if (route?.kind === 'realtime') realtime!.attribute(route.session, id, { observer: voice.observer });
    this.voice = voice;
    this.voices.push(voice);
    if (this.voices.length > 4) this.voices.shift();
    this.send('voice_started', { turn_id: id, conversation_id: conversationId ?? null, mode: voice.handledBy, format: { encoding: 'pcm_s16le', sample_rate_hz: 16000, channels: 1 } }, rid);
  }

  /** Key of this browser's realtime session (one per connection, like a device's). */
  private get holder(): string {
    return `web:${this.id}`;
  }

  /**
   * The holder for a turn in `conversationId`: the model keeps the context of one conversation, so moving to
   * another conversation closes this connection's realtime session and the next turn opens a fresh one.
   */
  private realtimeHolder(conversationId: string | undefined): string {
    // Another conversation, or a new chat (no id yet): the model's conversation is not that one.
    if (this.realtimeConversation && conversationId !== this.realtimeConversation) this.deps.realtime?.release(this.holder);
    this.realtimeConversation = conversationId;
    return this.holder;
  }

  private findVoice(turnId: string): BrowserVoiceTurn | undefined {
    return this.voices.find((v) => v.id === turnId);
  }

  private transport() {
    return {
      send: (message: ServerMessage) => this.send('voice', { ...message }),
      sendAudio: (chunk: Uint8Array): Promise<void> => {
        if (this.ws.readyState !== this.ws.OPEN) return Promise.resolve();
        if (this.ws.bufferedAmount + chunk.byteLength > this.deps.limits.maxBufferedBytes) {
          // Audio waits for the socket (backpressure) instead of dropping the reader: a phone on a slow link.
          return new Promise((resolve) => this.ws.send(chunk, { binary: true }, () => resolve()));
        }
        this.ws.send(chunk, { binary: true });
        return Promise.resolve();
      },
    };
  }

  private onAudio(bytes: Buffer): void {
    const voice = this.voice;
    if (!voice || !voice.turn.isListening) return; // frames in flight after voice_end: dropped quietly
    if (bytes.byteLength > this.deps.limits.maxFrameBytes) {
      return this.send('error', { code: 'too_large', message: `audio frame over ${this.deps.limits.maxFrameBytes} bytes dropped`, action: 'voice' });
    }
    if (!voice.write(bytes)) this.send('error', { code: 'invalid_payload', message: 'audio frames hold whole 16-bit samples', action: 'voice' });
  }

  /** Ends the connection from the server side: nothing more is handled or sent, the browser gets `code`. */
  end(code: number, reason: string): void {
    this.onClose();
    this.ws.close(code, reason);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    this.unsubscribe();
    const voice = this.voice;
    if (voice && !voice.turn.isFinished) void voice.cancel();
    this.deps.realtime?.release(this.holder);
  }
}
