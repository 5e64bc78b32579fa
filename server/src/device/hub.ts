import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, type Logger } from '@pichat/shared';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DeviceRecord, DeviceRegistry } from '../devices/registry.js';
import { DeviceSession, type SessionDeps } from './session.js';

/** Largest WebSocket frame accepted at all (ws closes with 1009 above it); protocol limits are checked below it. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * The `/ws/device` endpoint: authenticates devices by bearer token at the HTTP upgrade (401 before any WebSocket
 * exists), keeps one session per device (a reconnecting device replaces its stale connection) and shuts down
 * cleanly.
 */
export class DeviceHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES, perMessageDeflate: false });
  private readonly sessions = new Map<string, DeviceSession>();

  constructor(
    private readonly registry: DeviceRegistry,
    private readonly deps: SessionDeps & { log: Logger },
  ) {}

  /** Connected sessions by device id. */
  get connected(): ReadonlyMap<string, DeviceSession> {
    return this.sessions;
  }

  /** Number of turns running right now, over all devices. */
  get activeTurns(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.activeTurn) n++;
    return n;
  }

  /** Handles an HTTP upgrade for /ws/device. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const token = bearerToken(request.headers.authorization);
    const device = token ? this.registry.authenticate(token) : undefined;
    if (!device) {
      this.deps.log.info('device connection refused: bad or missing token', { from: request.socket.remoteAddress });
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain\r\nWWW-Authenticate: Bearer\r\n' +
          'Content-Length: 41\r\n\r\nmissing or invalid device token (Bearer)\n',
      );
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(device, ws));
  }

  private accept(device: DeviceRecord, ws: WebSocket): void {
    const previous = this.sessions.get(device.id);
    if (previous) previous.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
    const session = new DeviceSession(device, ws, this.deps);
    this.sessions.set(device.id, session);
    this.registry.touch(device.id, new Date());
    this.deps.log.info('device connected', { device: device.id, name: device.name });
    this.deps.events?.onConnectionChange?.(device, true);
    ws.on('close', (code) => {
      const current = this.sessions.get(device.id) === session;
      if (current) this.sessions.delete(device.id);
      this.registry.touch(device.id, new Date());
      this.deps.log.info('device disconnected', { device: device.id, code });
      if (current) this.deps.events?.onConnectionChange?.(device, false);
    });
  }

  /** Disconnects one device (its token was revoked). */
  disconnect(deviceId: string, code: number, reason: string): void {
    this.sessions.get(deviceId)?.close(code, reason);
  }

  /** Closes every device connection (server shutdown: devices reconnect to the next instance). */
  close(): void {
    for (const s of this.sessions.values()) s.close(CLOSE_CODES.goingAway, 'server shutting down');
    this.sessions.clear();
    this.wss.close();
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
