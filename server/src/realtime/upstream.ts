import type { Logger } from '@pichat/shared';
import { ProviderError } from '../providers/errors.js';
import type { RealtimeConnector, RealtimeSocket } from './connector.js';
import { normalizeEvent, sessionUpdate, type ClientEvent, type RealtimeSessionConfig, type UpstreamEvent } from './events.js';

export interface UpstreamOptions {
  connector: RealtimeConnector;
  /** The session configuration, read at every (re)connect. */
  config: () => RealtimeSessionConfig;
  /** WebSocket ping interval, ms; no pong by the next ping drops the link. */
  pingIntervalMs: number;
  /** Closes the connection after this long without use, ms; the next turn reopens it. */
  idleCloseMs: number;
  /** Reconnect backoff: first delay and ceiling, ms (full jitter between half and all of the delay). */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Most bytes of events queued while the connection opens; older audio is dropped beyond it. */
  maxQueueBytes: number;
  /**
   * The conversation so far, as items to send after `session.update` whenever the link (re)opens: a new connection
   * is a new conversation upstream, and without them the model would forget what was said before an idle close or
   * a drop. Read before connecting; a failure is logged and replays nothing.
   */
  context?: () => Promise<readonly ClientEvent[]>;
  log: Logger;
  random?: () => number;
  now?: () => number;
}

export type UpstreamState = 'idle' | 'connecting' | 'open' | 'waiting' | 'refused' | 'closed';

export interface UpstreamListener {
  event(event: UpstreamEvent): void;
  /** The link went down: the connect failed (`connect`) or an open link dropped (`dropped`). */
  down(error: ProviderError, phase: 'connect' | 'dropped'): void;
  open?(): void;
}

/**
 * One supervised connection to a realtime model, owned by the server (a device or browser never sees it):
 *
 * ```
 *  idle ── send()/open() ──► connecting ── open ──► open ── session.update, the conversation so far, the queued events
 *   ▲                           │ refused (401/403/404)        │ dropped, heartbeat missed
 *   │ idleCloseMs unused         ▼                              ▼
 *   └──────────────────────  refused (until open())        waiting ── backoff (jitter) ──► connecting
 *                                                          (only while in use; else idle)
 * ```
 * Events sent while the link is not open are queued (bounded) and flushed after `session.update`, so audio spoken
 * before the upstream is open is not lost. Only an unused (idle) link opens on a send: a failed one waits for its
 * backoff, or for `open()` (a new turn), so that a stream of audio frames cannot turn into one connect per frame.
 */
export class RealtimeUpstream {
  private socket: RealtimeSocket | undefined;
  private current: 'idle' | 'connecting' | 'open' | 'waiting' | 'refused' | 'closed' = 'idle';
  private queue: { event: ClientEvent; bytes: number }[] = [];
  private queuedBytes = 0;
  private attempt = 0;
  private lastUse: number;
  private pongSeen = true;
  private pingTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private generation = 0;
  private listener: UpstreamListener | undefined;
  /** Connects made so far (tests and stats). */
  connects = 0;

  constructor(private readonly options: UpstreamOptions) {
    this.lastUse = this.now();
  }

  get state(): UpstreamState {
    return this.current;
  }

  listen(listener: UpstreamListener): void {
    this.listener = listener;
  }

  /** Opens the link if it is not open or opening (a turn starts: the connect overlaps the user speaking). */
  open(): void {
    this.touch();
    if (this.current === 'closed' || this.current === 'open' || this.current === 'connecting') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.connect();
  }

  /** Sends an event now, or queues it until the link is open (and opens an idle one). */
  send(event: ClientEvent): void {
    if (this.current === 'closed') return;
    this.touch();
    if (this.current === 'open' && this.socket) {
      this.socket.send(event);
      return;
    }
    const bytes = 'audio' in event && typeof event.audio === 'string' ? event.audio.length : 200;
    this.queue.push({ event, bytes });
    this.queuedBytes += bytes;
    while (this.queuedBytes > this.options.maxQueueBytes && this.queue.length > 1) this.queuedBytes -= this.queue.shift()!.bytes;
    if (this.current === 'idle') this.open();
  }

  /** Sends `session.update` with the current configuration (settings changed), if the link is open. */
  reconfigure(): void {
    if (this.current === 'open') this.socket?.send(sessionUpdate(this.options.config()));
  }

  /** Drops the open link and reconnects (a new model: the session's model cannot change in place). */
  restart(): void {
    if (this.current === 'open' || this.current === 'connecting') this.teardown();
    if (this.current !== 'closed') this.current = 'idle';
  }

  /** Discards queued events (the turn they belonged to is over). */
  clearQueue(): void {
    this.queue = [];
    this.queuedBytes = 0;
  }

  /** Closes for good (the device or browser went away). */
  close(): void {
    this.teardown();
    this.current = 'closed';
    this.clearQueue();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private touch(): void {
    this.lastUse = this.now();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.current === 'closed') return;
    this.idleTimer = setTimeout(() => this.idleCheck(), this.options.idleCloseMs);
    this.idleTimer.unref();
  }

  private idleCheck(): void {
    if (this.now() - this.lastUse < this.options.idleCloseMs) return this.touch();
    if (this.current === 'open' || this.current === 'connecting' || this.current === 'waiting') {
      this.options.log.debug('realtime link idle: closing');
      this.teardown();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.current = 'idle';
    }
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.current = 'connecting';
    this.connects++;
    const context = await this.readContext();
    if (generation !== this.generation || (this.current as UpstreamState) !== 'connecting') return;
    const config = this.options.config();
    let socket: RealtimeSocket;
    try {
      socket = await this.options.connector(config, {
        event: (raw) => {
          if (generation !== this.generation) return;
          const event = normalizeEvent(raw);
          if (event) this.listener?.event(event);
        },
        pong: () => (this.pongSeen = true),
        closed: (code) => {
          if (generation !== this.generation) return;
          this.dropped(new ProviderError('network', `openai-realtime: connection dropped (${code})`, { provider: 'openai-realtime' }));
        },
      });
    } catch (err) {
      if (generation !== this.generation) return;
      const error = err instanceof ProviderError ? err : new ProviderError('network', 'openai-realtime: connection failed', { provider: 'openai-realtime', cause: err });
      this.clearQueue();
      if (!error.retryable) {
        this.current = 'refused';
        this.options.log.warn('realtime link refused', { code: error.code, status: error.status });
      } else {
        this.options.log.warn('realtime link failed', { code: error.code });
        this.scheduleRetry();
      }
      this.listener?.down(error, 'connect');
      return;
    }
    if (generation !== this.generation || (this.current as UpstreamState) === 'closed') {
      socket.close();
      return;
    }
    this.socket = socket;
    this.current = 'open';
    this.attempt = 0;
    this.pongSeen = true;
    this.pingTimer = setInterval(() => this.heartbeat(), this.options.pingIntervalMs);
    this.pingTimer.unref();
    socket.send(sessionUpdate(config));
    for (const event of context) socket.send(event);
    const queued = this.queue;
    this.clearQueue();
    for (const { event } of queued) socket.send(event);
    this.listener?.open?.();
  }

  private async readContext(): Promise<readonly ClientEvent[]> {
    try {
      return (await this.options.context?.()) ?? [];
    } catch (err) {
      this.options.log.warn('realtime link: reading the conversation to replay failed', { error: err });
      return [];
    }
  }

  private heartbeat(): void {
    if (!this.socket) return;
    if (!this.pongSeen) {
      this.options.log.warn('realtime link heartbeat missed: dropping it');
      const socket = this.socket;
      this.dropped(new ProviderError('timeout', 'openai-realtime: heartbeat missed', { provider: 'openai-realtime' }));
      socket.terminate();
      return;
    }
    this.pongSeen = false;
    this.socket.ping();
  }

  private dropped(error: ProviderError): void {
    if (this.current !== 'open') return;
    this.teardown();
    this.scheduleRetry();
    this.listener?.down(error, 'dropped');
  }

  /** Reconnects after a backoff while the link is in use; an unused link just goes idle. */
  private scheduleRetry(): void {
    if (this.now() - this.lastUse >= this.options.idleCloseMs) {
      this.current = 'idle';
      return;
    }
    this.current = 'waiting';
    const ceiling = Math.min(this.options.reconnectMaxMs, this.options.reconnectBaseMs * 2 ** this.attempt);
    this.attempt++;
    const delay = Math.round(ceiling * (0.5 + 0.5 * (this.options.random ?? Math.random)()));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.current === 'waiting') void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private teardown(): void {
    this.generation++;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (this.current === 'open' || this.current === 'connecting') this.current = 'idle';
    socket?.close();
  }
}
