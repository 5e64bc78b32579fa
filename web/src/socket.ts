/**
 * The /ws/chat connection: requests with a request_id resolve with their direct answer; everything else goes to
 * listeners by action. Reconnects with backoff (1 s doubling to 15 s, with jitter) and tells `onOpen` each time,
 * so that views reload what they show.
 */
export interface Frame {
  action: string;
  payload: Record<string, unknown>;
  request_id?: string;
}

type Listener = (payload: Record<string, unknown>) => void;

export class ChatSocket {
  private ws: WebSocket | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pending = new Map<string, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private backoffMs = 1000;
  private stopped = false;
  onOpen: () => void = () => undefined;
  onStatus: (online: boolean) => void = () => undefined;
  onBinary: (data: ArrayBuffer) => void = () => undefined;
  /** The server ended the login this socket was opened with (logout elsewhere, password changed): close 4401. */
  onLoggedOut: () => void = () => location.reload();

  connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.backoffMs = 1000;
      this.onStatus(true);
      this.onOpen();
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return this.onBinary(e.data as ArrayBuffer);
      const frame = JSON.parse(e.data) as Frame;
      const waiting = frame.request_id ? this.pending.get(frame.request_id) : undefined;
      if (waiting && frame.request_id) {
        this.pending.delete(frame.request_id);
        if (frame.action === 'error') waiting.reject(new Error(String(frame.payload.message)));
        else waiting.resolve(frame);
      }
      for (const l of this.listeners.get(frame.action) ?? []) l(frame.payload);
    };
    ws.onclose = (e) => {
      this.onStatus(false);
      for (const p of this.pending.values()) p.reject(new Error('connection lost'));
      this.pending.clear();
      if (e.code === 4401) {
        this.stopped = true; // reconnecting would only be refused: the page shows the login again
        return this.onLoggedOut();
      }
      if (this.stopped) return;
      const wait = this.backoffMs * (0.8 + Math.random() * 0.4);
      this.backoffMs = Math.min(15_000, this.backoffMs * 2);
      setTimeout(() => this.connect(), wait);
    };
  }

  close(): void {
    this.stopped = true;
    this.ws?.close();
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  on(action: string, listener: Listener): () => void {
    let set = this.listeners.get(action);
    if (!set) this.listeners.set(action, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Sends a request and resolves with its answer (rejects with the server's error message). */
  request(action: string, payload?: Record<string, unknown>, timeoutMs = 15_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      if (!this.open) return reject(new Error('not connected'));
      const id = `q${this.nextId++}`;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${action}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (f) => (clearTimeout(timer), resolve(f)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws!.send(JSON.stringify(payload === undefined ? { action, request_id: id } : { action, payload, request_id: id }));
    });
  }

  /** Sends without waiting for an answer. */
  send(action: string, payload: Record<string, unknown>): void {
    if (this.open) this.ws!.send(JSON.stringify({ action, payload }));
  }

  sendBinary(data: ArrayBuffer): void {
    if (this.open && this.ws!.bufferedAmount < 1024 * 1024) this.ws!.send(data);
  }
}
