import {
  type AudioFormat,
  CLOSE_CODES,
  decodeDeviceMessage,
  describeFormat,
  type DeviceMessage,
  encodeMessage,
  ERROR_CODES,
  type ErrorCode,
  type Logger,
  type MessageOf,
  PROTOCOL_VERSION,
  sameFormat,
  type ServerMessage,
  SPEECH_FORMAT,
} from '@pichat/shared';
import type { WebSocket } from 'ws';
import type { DeviceRecord } from '../devices/registry.js';
import type { TurnObserver, TurnRecorder } from '../chat/recorder.js';
import type { BrainAction } from '../pipeline/providers.js';
import { Turn, type TurnProviders, type TurnResult } from '../pipeline/turn.js';
import { noticeBrain, type RealtimeService } from '../realtime/service.js';
import type { VoiceTurn } from '../realtime/turn.js';

export interface SessionLimits {
  /** Largest accepted audio frame, bytes (default 64 KiB: 2 s of 16 kHz mono). */
  maxFrameBytes: number;
  /** Longest turn, ms of audio (default 30 000). */
  maxTurnMs: number;
  /** Time allowed between connecting and `hello`, ms (default 10 000). */
  helloTimeoutMs: number;
  /** Interval of WebSocket pings, ms (default 5 000); a device silent for two intervals is dropped. */
  pingIntervalMs: number;
  /** Outgoing bytes queued on the socket above which audio sending waits (default 512 KiB). */
  highWaterBytes: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  maxFrameBytes: 64 * 1024,
  maxTurnMs: 30_000,
  helloTimeoutMs: 10_000,
  pingIntervalMs: 5_000,
  highWaterBytes: 512 * 1024,
};

/** Audio formats a device may send. Everything is recognised at 16 kHz mono. */
export const INPUT_FORMATS: readonly AudioFormat[] = [SPEECH_FORMAT];

export interface SessionEvents {
  onTurnFinished?(device: DeviceRecord, result: TurnResult): void;
  onPlaybackDone?(device: DeviceRecord, message: MessageOf<DeviceMessage, 'playback.done'>): void;
  /** A device connected (true) or went away (false). */
  onConnectionChange?(device: DeviceRecord, online: boolean): void;
  /** The device's volume changed (a skill, the web UI). */
  onVolumeChange?(device: DeviceRecord, volume: number): void;
}

export interface SessionDeps {
  providers: TurnProviders;
  limits: SessionLimits;
  log: Logger;
  serverVersion: string;
  events?: SessionEvents;
  /** Records turns into the conversation history (absent: nothing is recorded). */
  recorder?: TurnRecorder;
  /** A volume set from the web UI while the device was away, to apply after its hello (consumed). */
  takePendingVolume?(deviceId: string): number | undefined;
  /** Realtime mode (absent: every turn goes through the pipeline). */
  realtime?: RealtimeService;
}

/** How many recent turns keep their observer for a late `playback.done`. */
const OBSERVED_TURNS = 4;

/**
 * One connected device: protocol state, its one active turn, heartbeat. Bad input from the device gets an
 * `error` message and is dropped; nothing a device sends can throw out of here.
 *
 * ```
 *  connect ─► (hello within helloTimeoutMs) ─► ready
 *  ready: turn.start ─► listening ─ frames ─► turn.end ─► responding ─► turn.done ─► ready
 *         turn.start while listening or responding: the old turn is aborted (superseded), the new one starts
 * ```
 */
export class DeviceSession {
  private hello: MessageOf<DeviceMessage, 'hello'> | undefined;
  private turn: VoiceTurn | undefined;
  /** Turn ended by the server (length limit) whose turn.end / frames are still on their way. */
  private endedByServer: string | undefined;
  private reportedNoTurn = false;
  private volume = 50;
  /** Observers of the latest turns, oldest first: playback.done may name the previous turn. */
  private readonly observers: { turnId: string; observer: TurnObserver }[] = [];
  private lastReply: string | undefined;
  private alive = true;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    readonly device: DeviceRecord,
    private readonly socket: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    socket.on('message', (data, isBinary) => this.onFrame(data as Buffer | Buffer[] | ArrayBuffer, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => deps.log.warn('device socket error', { device: device.id, error: err }));
    this.timers.push(
      setTimeout(() => {
        if (!this.hello) this.closeWith('hello_required', 'no hello within the time allowed', 4400);
      }, deps.limits.helloTimeoutMs),
    );
    const ping = setInterval(() => this.heartbeat(), deps.limits.pingIntervalMs);
    this.timers.push(ping);
  }

  /** The running turn, if any (for stats and tests). */
  get activeTurn(): VoiceTurn | undefined {
    return this.turn && !this.turn.isFinished ? this.turn : undefined;
  }

  /** The device's current volume, 0..100. */
  get currentVolume(): number {
    return this.volume;
  }

  /** Sets the device volume and tells the device. */
  setVolume(volume: number): void {
    this.volume = Math.max(0, Math.min(100, Math.round(volume)));
    this.send({ type: 'control', volume: this.volume });
    this.deps.events?.onVolumeChange?.(this.device, this.volume);
  }

  /** Ends the session from the server side (replaced, shutdown). */
  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
    this.onClose();
  }

  private heartbeat(): void {
    if (!this.alive) {
      this.deps.log.info('device heartbeat timed out', { device: this.device.id });
      this.socket.terminate();
      this.onClose();
      return;
    }
    this.alive = false;
    try {
      this.socket.ping();
    } catch {
      // the close handler cleans up
    }
  }

  private onFrame(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    // After close() (replaced, revoked, shut down) ws still delivers what the device sends until it answers the
    // close frame: a turn started then would run for a device that is gone, and nothing would abort it.
    if (this.closed) return;
    try {
      const bytes = toBytes(data);
      if (isBinary) this.onAudio(bytes);
      else this.onMessage(bytes.toString('utf8'));
    } catch (err) {
      this.deps.log.error('device frame handling failed', { device: this.device.id, error: err });
      this.error('internal', 'the server could not handle that frame');
    }
  }

  private onMessage(text: string): void {
    const decoded = decodeDeviceMessage(text);
    if (!decoded.ok) return this.error(decoded.code, decoded.message, decoded.turnId);
    const message = decoded.message;
    if (message.type !== 'hello' && !this.hello) return this.error('hello_required', 'send hello first');
    switch (message.type) {
      case 'hello':
        return this.onHello(message);
      case 'turn.start':
        return this.onTurnStart(message);
      case 'turn.end':
        return this.onTurnEnd(message.turnId);
      case 'turn.cancel':
        return this.onTurnCancel(message.turnId);
      case 'playback.done':
        this.observers.find((o) => o.turnId === message.turnId)?.observer.playbackDone(message.heardMs, message.interrupted);
        this.deps.realtime?.playbackDone(this.holder, message.turnId, message.heardMs, message.interrupted);
        this.deps.events?.onPlaybackDone?.(this.device, message);
        return;
    }
  }

  private onHello(message: MessageOf<DeviceMessage, 'hello'>): void {
    if (message.protocol !== PROTOCOL_VERSION) {
      return this.closeWith(
        'protocol_version',
        `this server speaks protocol ${PROTOCOL_VERSION}, the device ${message.protocol}`,
        ERROR_CODES.protocol_version.closeCode,
      );
    }
    this.hello = message;
    if (message.volume !== undefined) this.volume = message.volume;
    const wanted = this.deps.takePendingVolume?.(this.device.id) ?? (message.volume === undefined ? this.device.volume : undefined);
    this.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: { name: 'pichat', version: this.deps.serverVersion },
      device: { id: this.device.id, name: this.device.name },
      limits: {
        maxFrameBytes: this.deps.limits.maxFrameBytes,
        maxTurnMs: this.deps.limits.maxTurnMs,
        inputFormats: [...INPUT_FORMATS],
      },
    });
    // A volume set from the web UI while the device was away wins over the device's own; otherwise the device's.
    if (wanted !== undefined && wanted !== this.volume) this.setVolume(wanted);
  }

  private onTurnStart(message: MessageOf<DeviceMessage, 'turn.start'>): void {
    if (!INPUT_FORMATS.some((f) => sameFormat(f, message.format))) {
      return this.error(
        'unsupported_format',
        `cannot recognise ${describeFormat(message.format)}; send ${INPUT_FORMATS.map(describeFormat).join(' or ')}`,
        message.turnId,
      );
    }
    const previous = this.turn;
    if (previous && !previous.isFinished) void previous.abort('superseded');
    this.endedByServer = undefined;
    this.reportedNoTurn = false;
    const observer = this.deps.recorder?.begin({ source: 'device', deviceId: this.device.id, deviceName: this.device.name }, message.turnId);
    if (observer) {
      this.observers.push({ turnId: message.turnId, observer });
      if (this.observers.length > OBSERVED_TURNS) this.observers.shift();
    }
    const options = {
      id: message.turnId,
      format: message.format,
      channel: `device:${this.device.id}`,
      playback: this.hello!.capabilities.playback,
      context: { volume: this.volume, ...(this.lastReply !== undefined ? { lastReply: this.lastReply } : {}) },
      onAction: (action: BrainAction) => {
        observer?.action(action);
        this.onAction(action);
      },
    };
    const route = this.deps.realtime?.route(this.holder, { deviceId: this.device.id }) ?? { kind: 'pipeline' as const };
    let turn: VoiceTurn;
    if (route.kind === 'realtime') {
      this.deps.realtime!.attribute(route.session, message.turnId, { deviceId: this.device.id, ...(observer ? { observer } : {}) });
      turn = route.session.startTurn(this.sink(observer), options);
    } else {
      let providers = observer ? observer.providers(this.deps.providers) : this.deps.providers;
      if (route.notice) providers = { ...providers, brain: noticeBrain(providers.brain, route.notice) };
      turn = new Turn(providers, this.sink(observer), options);
    }
    this.turn = turn;
    turn.signal.addEventListener('abort', () => this.deps.log.debug('turn aborted', { turn: turn.id }), { once: true });
  }

  private onAudio(bytes: Buffer): void {
    if (!this.hello) return this.error('hello_required', 'send hello first');
    const turn = this.turn;
    if (!turn || !turn.isListening) {
      if (this.endedByServer) return; // frames in flight after the length limit ended the turn
      if (this.reportedNoTurn) return; // one error per stretch of stray audio, not one per frame
      this.reportedNoTurn = true;
      return this.error('no_active_turn', 'audio frame outside a turn; send turn.start first');
    }
    if (bytes.byteLength > this.deps.limits.maxFrameBytes) {
      return this.error(
        'frame_too_large',
        `audio frame of ${bytes.byteLength} bytes exceeds ${this.deps.limits.maxFrameBytes}; frame dropped`,
        turn.id,
      );
    }
    if (bytes.byteLength % 2 !== 0) {
      return this.error('invalid_message', 'audio frame must hold whole 16-bit samples; frame dropped', turn.id);
    }
    turn.write(bytes);
    if (turn.audioInMs >= this.deps.limits.maxTurnMs) {
      this.error('turn_too_long', `turn reached the ${this.deps.limits.maxTurnMs} ms limit; answering what was said`, turn.id);
      this.endedByServer = turn.id;
      void this.finish(turn);
    }
  }

  private onTurnEnd(turnId: string): void {
    const turn = this.turn;
    if (turn && turn.id === turnId && turn.isListening) {
      void this.finish(turn);
      return;
    }
    if (turnId === this.endedByServer || (turn && turn.id === turnId)) return; // already ending
    this.error('no_active_turn', `turn ${turnId} is not the active turn`, turnId);
  }

  private onTurnCancel(turnId: string): void {
    const turn = this.turn;
    if (turn && turn.id === turnId) {
      if (!turn.isFinished) void turn.abort('cancelled');
      return;
    }
    this.error('no_active_turn', `turn ${turnId} is not the active turn`, turnId);
  }

  /** Key of this device's realtime session. */
  private get holder(): string {
    return `device:${this.device.id}`;
  }

  private async finish(turn: VoiceTurn): Promise<void> {
    const result = await turn.end();
    if (result.outcome === 'answered' && result.reply) this.lastReply = result.reply;
    this.observers.find((o) => o.turnId === turn.id)?.observer.finished(result);
    this.deps.events?.onTurnFinished?.(this.device, result);
  }

  private onAction(action: BrainAction): void {
    switch (action.type) {
      case 'volume':
        this.setVolume(action.volume);
        return;
      case 'new_conversation':
        this.lastReply = undefined;
        return;
      case 'stop':
        return; // the press that started this turn already stopped playback on the device
    }
  }

  private sink(observer: TurnObserver | undefined) {
    return {
      send: (message: ServerMessage) => {
        this.send(message);
        observer?.sent(message);
      },
      sendAudio: (chunk: Uint8Array) => this.sendAudio(chunk),
    };
  }

  private send(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(encodeMessage(message));
  }

  /** Sends audio; waits for the socket to drain when too much is queued (a slow or stalled link). */
  private sendAudio(chunk: Uint8Array): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    if (this.socket.bufferedAmount < this.deps.limits.highWaterBytes) {
      this.socket.send(chunk, { binary: true });
      return Promise.resolve();
    }
    return new Promise((resolve) => this.socket.send(chunk, { binary: true }, () => resolve()));
  }

  private error(code: ErrorCode, message: string, turnId?: string): void {
    this.send({ type: 'error', code, message, ...(turnId ? { turnId } : {}) });
  }

  private closeWith(code: ErrorCode, message: string, closeCode: number | undefined): void {
    this.error(code, message);
    this.close(closeCode ?? CLOSE_CODES.normal, message.slice(0, 120));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    const turn = this.turn;
    if (turn && !turn.isFinished) void turn.abort('cancelled');
    this.deps.realtime?.release(this.holder);
  }
}

function toBytes(data: Buffer | Buffer[] | ArrayBuffer): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
