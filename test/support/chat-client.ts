import WebSocket from 'ws';
import { WaitingSocket } from './waiting-socket.js';

export interface ChatFrame {
  action: string;
  payload: Record<string, unknown>;
  request_id?: string;
  at: number;
}

/** Logs in over REST; resolves with the Cookie header value. */
export async function login(httpUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: httpUrl },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: HTTP ${res.status}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0]!;
}

/**
 * A scripted browser on /ws/chat: records every frame, offers bounded waits, sends `{action, payload}` requests
 * and binary microphone frames.
 */
export class ChatClient extends WaitingSocket {
  readonly frames: ChatFrame[] = [];
  readonly audio: Buffer[] = [];
  private nextId = 1;

  private constructor(ws: WebSocket) {
    super(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.audio.push(data as Buffer);
      else this.frames.push({ ...(JSON.parse((data as Buffer).toString('utf8')) as Omit<ChatFrame, 'at'>), at: performance.now() });
      this.notify();
    });
  }

  protected arrived(): unknown {
    return this.frames.map((f) => f.action);
  }

  static connect(httpUrl: string, cookie: string | undefined, origin: string | undefined = httpUrl): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (cookie) headers.Cookie = cookie;
      if (origin) headers.Origin = origin;
      const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/ws/chat`, { headers, perMessageDeflate: false });
      const client = new ChatClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Sends a request with a fresh request_id; returns the id. */
  send(action: string, payload?: unknown): string {
    const id = `r${this.nextId++}`;
    this.ws.send(JSON.stringify(payload === undefined ? { action, request_id: id } : { action, payload, request_id: id }));
    return id;
  }

  raw(data: string | Buffer): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  /** Sends a request and waits for the direct answer (or error) carrying its request_id. */
  async request(action: string, payload?: unknown, timeoutMs = 10_000): Promise<ChatFrame> {
    const id = this.send(action, payload);
    return this.waitFor((f) => f.request_id === id, timeoutMs, `answer to ${action}`);
  }

  waitFor(match: (f: ChatFrame) => boolean, timeoutMs = 10_000, what = 'frame'): Promise<ChatFrame> {
    return this.until(() => this.frames.find(match), timeoutMs, what);
  }

  waitAction(action: string, match: (p: Record<string, unknown>) => boolean = () => true, timeoutMs = 10_000): Promise<ChatFrame> {
    return this.waitFor((f) => f.action === action && match(f.payload), timeoutMs, `action ${action}`);
  }
}
