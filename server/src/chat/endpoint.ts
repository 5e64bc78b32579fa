import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { sameOrigin } from '../auth/auth.js';
import { ChatConnection, type ChatConnectionDeps } from './connection.js';

/** Largest chat frame, bytes: a speech_to_text request carries up to 30 s of base64 WAV. ws closes with 1009 above. */
export const MAX_CHAT_FRAME_BYTES = 2 * 1024 * 1024;

/**
 * The `/ws/chat` endpoint. The login cookie is checked at the HTTP upgrade (401 before any WebSocket exists), and
 * the Origin must be this server (403 otherwise): a page on another site cannot open a socket with the cookie.
 */
export class ChatEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CHAT_FRAME_BYTES, perMessageDeflate: false });
  readonly connections = new Set<ChatConnection>();

  constructor(
    private readonly deps: ChatConnectionDeps,
    private readonly authorize: (req: IncomingMessage) => Promise<boolean>,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    if (!sameOrigin(req)) return refuse(socket, 403, 'Forbidden', 'cross-origin chat connection refused\n');
    this.authorize(req).then(
      (ok) => {
        if (!ok) return refuse(socket, 401, 'Unauthorized', 'log in first\n');
        if (socket.destroyed) return;
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          const connection = new ChatConnection(ws, this.deps);
          this.connections.add(connection);
          ws.on('close', () => this.connections.delete(connection));
        });
      },
      () => refuse(socket, 500, 'Internal Server Error', 'could not check the login\n'),
    );
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
