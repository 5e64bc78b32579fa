import {
  CLOSE_CODES,
  decodeServerMessage,
  type DeviceHello,
  type DeviceMessage,
  encodeMessage,
  type Logger,
  PROTOCOL_VERSION,
} from '@pichat/shared';
import WebSocket from 'ws';
import type { RawData } from 'ws';
import type { Link, LinkListener } from '../daemon/ports.js';
import { backoffDelayMs } from './backoff.js';

export interface WsLinkOptions {
  /** `ws://` or `wss://` URL of the server's device endpoint. */
  url: string;
  /** Bearer token the server issued for this device. */
  token: string;
  /** Builds the hello for each connection (so it carries the current volume). */
  hello: () => DeviceHello;
  log: Logger;
  /** Interval between pings, in ms. */
  pingIntervalMs: number;
  /** Silence (no pong, no message) after which the server is declared dead, in ms. */
  deadAfterMs: number;
  /** Longest wait from TCP connect to the server's hello, in ms. */
  helloTimeoutMs: number;
  /** First reconnect delay and cap, in ms. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Audio frames are dropped while more than this many bytes wait in the socket, in bytes. */
  maxBufferedBytes: number;
  /** Largest frame accepted from the server, in bytes. */
  maxPayloadBytes?: number;
  /**
   * For `wss://`: PEM certificate(s) of the CA that signed the server's certificate (a self-signed server on the
   * LAN). Undefined trusts the system's CAs. Certificates are always verified; there is no switch to turn that off.
   */
  ca?: string | Buffer;
  random?: () => number;
}

/** Close codes after which reconnecting quickly cannot help: wait the longest back-off. */
const SLOW_RETRY_CODES = new Set<number>([4401, 4400, CLOSE_CODES.replaced]);

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/**
 * The device's WebSocket link, supervised: connect, hello, heartbeat, and on any failure reconnect with exponential
 * back-off and jitter until `close()`. Server messages are validated before anyone sees them; invalid ones are logged
 * and dropped, never thrown. Audio is dropped (not queued) under back-pressure, so that a slow link adds no latency.
 *
 * ```
 *  device                       server
 *    ── TCP + upgrade, Bearer ──►
 *    ── hello{protocol,caps} ───►
 *    ◄───────── hello ───────────   up
 *    ── ping every pingIntervalMs ►  (any frame or pong counts as alive; deadAfterMs of silence → terminate)
 *    ◄──── close / silence ───────   down → wait backoff(attempt) → connect again
 * ```
 */
export class WsLink implements Link {
  private ws: WebSocket | undefined;
  private up = false;
  private closed = false;
  private attempt = 0;
  private lastSeenAt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private lastProblem = '';
  private rejected = false;
  private readonly listeners = new Set<LinkListener>();
  /** Audio frames dropped under back-pressure since start. */
  droppedFrames = 0;

  constructor(private readonly o: WsLinkOptions) {}

  get isUp(): boolean {
    return this.up;
  }

  /** True while waiting out a back-off before the next attempt. */
  get reconnecting(): boolean {
    return this.reconnectTimer !== undefined;
  }

  start(): void {
    if (!this.ws && !this.reconnectTimer && !this.closed) this.connect();
  }

  subscribe(listener: LinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(message: DeviceMessage): boolean {
    const ws = this.ws;
    if (!this.up || !ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeMessage(message));
    return true;
  }

  sendAudio(pcm: Uint8Array): boolean {
    const ws = this.ws;
    if (!this.up || !ws || ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > this.o.maxBufferedBytes) {
      if (this.droppedFrames++ % 50 === 0) {
        this.o.log.warn('link congested: dropping audio', { bufferedBytes: ws.bufferedAmount, dropped: this.droppedFrames });
      }
      return false;
    }
    ws.send(pcm, { binary: true });
    return true;
  }

  wake(): void {
    if (this.closed || !this.reconnectTimer) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.connect();
  }

  /** Closes the socket and stops reconnecting. Resolves once the socket is gone (at most ~1 s). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 1000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(CLOSE_CODES.goingAway, 'device shutting down');
    });
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    const ws = new WebSocket(this.o.url, {
      headers: { Authorization: `Bearer ${this.o.token}` },
      perMessageDeflate: false,
      maxPayload: this.o.maxPayloadBytes ?? 1024 * 1024,
      handshakeTimeout: this.o.helloTimeoutMs,
      ...(this.o.ca ? { ca: this.o.ca } : {}),
    });
    this.ws = ws;
    this.lastProblem = '';
    this.rejected = false;
    ws.on('open', () => {
      this.lastSeenAt = Date.now();
      ws.send(encodeMessage(this.o.hello()));
      this.helloTimer = setTimeout(() => this.kill(ws, 'no hello from the server in time'), this.o.helloTimeoutMs);
      this.heartbeatTimer = setInterval(() => this.beat(ws), this.o.pingIntervalMs);
    });
    ws.on('pong', () => {
      this.lastSeenAt = Date.now();
    });
    ws.on('message', (data, isBinary) => this.onFrame(ws, data, isBinary));
    ws.on('error', (err) => {
      // ws reports a refused upgrade as "Unexpected server response: 401".
      this.rejected = /\b401\b/.test(err.message);
      this.lastProblem = this.rejected ? 'the server rejected the device token (HTTP 401)' : err.message;
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString('utf8')));
  }

  private beat(ws: WebSocket): void {
    if (Date.now() - this.lastSeenAt > this.o.deadAfterMs) {
      this.kill(ws, `no answer from the server for ${this.o.deadAfterMs} ms`);
      return;
    }
    ws.ping();
  }

  private kill(ws: WebSocket, problem: string): void {
    this.lastProblem = problem;
    ws.terminate();
  }

  private onFrame(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (ws !== this.ws) return;
    this.lastSeenAt = Date.now();
    if (isBinary) {
      if (this.up) this.emit((l) => l.audio?.(toBytes(data)));
      return;
    }
    const decoded = decodeServerMessage(Buffer.from(toBytes(data)).toString('utf8'));
    if (!decoded.ok) {
      this.o.log.warn('invalid message from the server, ignored', { code: decoded.code, problem: decoded.message });
      return;
    }
    const m = decoded.message;
    if (!this.up) {
      if (m.type === 'error') {
        this.lastProblem = `${m.code}: ${m.message}`;
      } else if (m.type === 'hello') {
        if (m.protocol !== PROTOCOL_VERSION) {
          this.kill(ws, `server speaks protocol ${m.protocol}, this device ${PROTOCOL_VERSION}`);
          return;
        }
        clearTimeout(this.helloTimer);
        this.up = true;
        this.attempt = 0;
        this.o.log.info('connected', { url: this.o.url, deviceId: m.device.id, server: m.server.version });
        this.emit((l) => l.up?.(m));
      }
      return;
    }
    if (m.type !== 'hello') this.emit((l) => l.message?.(m));
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    clearTimeout(this.helloTimer);
    clearInterval(this.heartbeatTimer);
    if (ws !== this.ws) return;
    this.ws = undefined;
    const wasUp = this.up;
    this.up = false;
    const why = this.lastProblem || reason || `closed with code ${code}`;
    const rejected = this.rejected || code === 4401;
    if (rejected) this.o.log.error('the server rejected the device token: check PICHAT_DEVICE_TOKEN');
    if (wasUp) this.emit((l) => l.down?.(why));
    if (this.closed) return;
    if (rejected || SLOW_RETRY_CODES.has(code)) this.attempt = Math.max(this.attempt, 30);
    const delayMs = backoffDelayMs(this.attempt++, {
      initialMs: this.o.backoffInitialMs,
      maxMs: this.o.backoffMaxMs,
      ...(this.o.random ? { random: this.o.random } : {}),
    });
    this.o.log.warn(wasUp ? 'link lost, reconnecting' : 'cannot reach the server, retrying', {
      problem: why,
      code,
      retryInMs: delayMs,
    });
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
  }

  private emit(call: (l: LinkListener) => void): void {
    for (const l of [...this.listeners]) {
      try {
        call(l);
      } catch (error) {
        this.o.log.error('link listener failed', { error });
      }
    }
  }
}
