import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server standing in for a provider (OpenAI-compatible, Azure OpenAI, ElevenLabs). Each test sets
 * a handler that writes the real wire format; the stand-in records every request with its body and tells when
 * the client closed the connection before the response ended (how cancellation is verified).
 */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Resolves when the response is over: `early` when the client went away before it ended. */
  closed: Promise<{ early: boolean }>;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export class HttpStandin {
  readonly requests: RecordedRequest[] = [];
  private handler: Handler = (_req, res) => {
    res.statusCode = 404;
    res.end();
  };
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(private readonly server: Server) {}

  static async start(handler?: Handler): Promise<HttpStandin> {
    const server = createServer();
    const standin = new HttpStandin(server);
    if (handler) standin.handler = handler;
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      standin.sockets.add(socket);
      socket.once('close', () => standin.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void standin.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standin;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setHandler(handler: Handler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const closed = new Promise<{ early: boolean }>((resolve) => res.once('close', () => resolve({ early: !res.writableFinished })));
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), closed };
    this.requests.push(recorded);
    try {
      await this.handler(recorded, res);
    } catch {
      res.destroy();
    }
  }
}

/** A promise with its resolver, to hold a stand-in's response until a test lets it go (no sleeps). */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves after `ms`: only for pacing what a stand-in sends, never to synchronise a test. */
export const pace = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `text` in pieces of `size` bytes with a pause between, so the client reads it across TCP packets. */
export async function writeSplit(res: ServerResponse, text: string | Buffer, size: number, pauseMs = 2): Promise<void> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (let i = 0; i < bytes.byteLength; i += size) {
    if (res.destroyed) return;
    res.write(bytes.subarray(i, i + size));
    await pace(pauseMs);
  }
}

/** One `chat.completion.chunk` event's JSON carrying `content`. */
export function chatChunk(content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-standin',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'standin',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
    ...extra,
  });
}

/** The final usage chunk sent with `stream_options.include_usage`. */
export function usageChunk(prompt: number, completion: number): string {
  return JSON.stringify({
    id: 'chatcmpl-standin',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'standin',
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  });
}

/** Starts an SSE response. */
export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

/**
 * Streams `deltas` as a Chat Completions SSE response: each event split across TCP writes (`splitBytes`), `msPerDelta`
 * between deltas, then a usage chunk and `data: [DONE]`.
 */
export async function streamChat(
  res: ServerResponse,
  deltas: readonly string[],
  options: { splitBytes?: number; msPerDelta?: number; usage?: [number, number]; before?: (index: number) => Promise<void> | void } = {},
): Promise<void> {
  startSse(res);
  for (let i = 0; i < deltas.length; i++) {
    await options.before?.(i);
    if (res.destroyed) return;
    const event = `data: ${chatChunk(deltas[i]!)}\n\n`;
    if (options.splitBytes) await writeSplit(res, event, options.splitBytes, 1);
    else res.write(event);
    if (options.msPerDelta) await pace(options.msPerDelta);
  }
  if (res.destroyed) return;
  if (options.usage) res.write(`data: ${usageChunk(options.usage[0], options.usage[1])}\n\n`);
  res.write('data: [DONE]\n\n');
  res.end();
}

/** Parses a JSON request body. */
export function jsonBody(req: RecordedRequest): Record<string, unknown> {
  return JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
}

/** An error response in the OpenAI shape. */
export function errorResponse(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { message: `standin ${status}`, type: 'standin', code: null } }));
}

/** Waits for `promise` at most `ms`; rejects with a clear message (bounded waits in tests). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
