/**
 * The live-event bus: what happens (a device turn's transcript, reply text, timings; a conversation renamed) is
 * published once and delivered to every open browser. In one process it is a list of listeners; a fleet of server
 * instances implements the same interface over PostgreSQL LISTEN/NOTIFY or Redis pub/sub (ARCHITECTURE.md "Scale").
 */
export interface LiveEvent {
  /** The chat-protocol action the browsers receive, e.g. "message_created", "reply_delta". */
  action: string;
  payload: Record<string, unknown>;
  /** The chat connection whose own request caused the event: it got a direct answer, so it is skipped. */
  origin?: string;
}

/** `encoded` is the event's `{action, payload}` JSON as UTF-8 bytes, made once for every listener. */
export type LiveListener = (event: LiveEvent, encoded: Buffer) => void;

export interface LiveBus {
  publish(event: LiveEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: LiveListener): () => void;
  readonly subscribers: number;
}

/**
 * In-process bus. The event is encoded to JSON and UTF-8 once and the same bytes handed to every listener (500
 * sockets neither serialise nor transcode it 500 times). A throwing listener does not stop the others.
 */
export class MemoryLiveBus implements LiveBus {
  private readonly listeners = new Set<LiveListener>();

  publish(event: LiveEvent): void {
    const encoded = Buffer.from(JSON.stringify({ action: event.action, payload: event.payload }), 'utf8');
    for (const listener of [...this.listeners]) {
      try {
        listener(event, encoded);
      } catch {
        // one broken subscriber must not starve the rest
      }
    }
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
