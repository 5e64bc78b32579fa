import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { sameOrigin } from '../auth/auth.js';
import { ChatConnection, type ChatConnectionDeps } from './connection.js';

/** Close code of a chat connection whose login ended (logout, password change). */
export const CLOSE_LOGGED_OUT = 4401;

/** Largest chat frame, bytes: a speech_to_text request carries up to 30 s of base64 WAV. ws closes with 1009 above. */
export const MAX_CHAT_FRAME_BYTES = 2 * 1024 * 1024;

/**
 * The `/ws/chat` endpoint. The login cookie is checked at the HTTP upgrade (401 before any WebSocket exists), and
 * the Origin must be this server (403 otherwise): a page on another site cannot open a socket with the cookie.
 */
export class ChatEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CHAT_FRAME_BYTES, perMessageDeflate: false });
  /** The open connections, each with the login it was opened with (its session's id hash). */
  readonly connections = new Map<ChatConnection, string>();

  /** `authorize` gives the id hash of the request's login, or undefined without one. */
  constructor(
    private readonly deps: ChatConnectionDeps,
    private readonly authorize: (req: IncomingMessage) => Promise<string | undefined>,
  ) {}

  /** Handles an upgrade to /ws/chat; the caller has given `socket` its error listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!sameOrigin(req)) return refuse(socket, 403, 'Forbidden', 'cross-origin chat connection refused\n');
    this.authorize(req).then(
      (login) => {
        if (login === undefined) return refuse(socket, 401, 'Unauthorized', 'log in first\n');
        if (socket.destroyed) return;
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          const connection = new ChatConnection(ws, this.deps);
          this.connections.set(connection, login);
          ws.on('close', () => this.connections.delete(connection));
        });
      },
      () => refuse(socket, 500, 'Internal Server Error', 'could not check the login\n'),
    );
  }

  /**
   * Closes the connections opened with the login `idHash` (logged out), or with any login (undefined: the password
   * changed), with close code 4401: the page then shows the login again.
   */
  endLogins(idHash: string | undefined): void {
    for (const [connection, login] of this.connections) {
      if (idHash === undefined || login === idHash) connection.end(CLOSE_LOGGED_OUT, 'logged out');
    }
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
