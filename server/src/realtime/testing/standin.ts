import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ResponseUsage, TranscriptionUsage } from '../events.js';

/** What one response of the stand-in does. Every field has a default. */
export interface StandinReply {
  /** Reply text, spoken as `audioMs` of tone and streamed as transcript deltas. */
  text: string;
  audioMs: number;
  /** Audio delta size, ms. */
  chunkMs: number;
  /** Wait before response.created, and between deltas, ms (0: everything at once). */
  firstDelayMs: number;
  chunkDelayMs: number;
  usage: ResponseUsage;
  /** Close the socket after this many audio deltas (an upstream drop mid-response). */
  dropAfterChunks?: number;
  /** Answer response.create with this error event instead of a response. */
  error?: { code: string; type: string; message?: string };
  /** Never answer (a hung upstream). */
  silent?: boolean;
  /** response.done status `failed` with this error (e.g. insufficient_quota). */
  failWith?: { code: string; type: string };
}

export interface StandinOptions {
  /** The key clients must present (Bearer or api-key); other keys get HTTP 401 at the upgrade. */
  apiKey: string;
  /** Event names: GA (`response.output_audio.delta`) or beta (`response.audio.delta`). */
  flavor?: 'ga' | 'beta';
  /** The user's transcript for turn n (0-based), and when it arrives after the commit, ms. */
  transcript?: (n: number) => string;
  transcriptDelayMs?: number;
  transcriptionUsage?: TranscriptionUsage;
  /** The reply to response n (0-based). */
  reply?: (n: number) => Partial<StandinReply>;
}

const BYTES_PER_MS = 48; // 24 kHz mono 16-bit

/**
 * A loopback stand-in for the OpenAI Realtime API, speaking its WebSocket event protocol over TLS (the SDK always
 * dials wss://) with a throwaway self-signed certificate. It records every client event, honours push-to-talk
 * (commit, response.create, response.cancel, conversation.item.truncate) and can be scripted to be slow, to drop,
 * to refuse or to fail. For tests and benchmarks only.
 */
export class RealtimeStandin {
  readonly events: { connection: number; event: Record<string, unknown> }[] = [];
  connections = 0;
  /** Close codes of refused upgrades, in order. */
  readonly refused: number[] = [];
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly sockets = new Set<WebSocket>();
  private responses = 0;
  private commits = 0;
  private waiters: (() => void)[] = [];
  /** PEM of the certificate, for the client's `ca`. */
  readonly ca: string;
  /** When set, the next upgrade is refused with this HTTP status (one-shot unless `refuseAll`). */
  refuseNext: number | undefined;
  refuseAll = false;

  private constructor(private readonly options: StandinOptions, tls: { key: string; cert: string }) {
    this.ca = tls.cert;
    this.server = createServer({ key: tls.key, cert: tls.cert });
    this.server.on('upgrade', (req, socket, head) => {
      const auth = req.headers.authorization ?? '';
      const key = req.headers['api-key'] ?? auth.replace(/^Bearer\s+/i, '');
      const status = this.refuseNext ?? (key === options.apiKey ? undefined : 401);
      if (!this.refuseAll) this.refuseNext = undefined;
      if (status !== undefined) {
        this.refused.push(status);
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  static async start(options: StandinOptions): Promise<RealtimeStandin> {
    const standin = new RealtimeStandin(options, selfSigned());
    await new Promise<void>((resolve) => standin.server.listen(0, '127.0.0.1', resolve));
    return standin;
  }

  /** The API base to configure (`PICHAT_REALTIME_BASE_URL`): https://127.0.0.1:PORT/v1. */
  get baseUrl(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Client events of one type, in order. */
  ofType(type: string): Record<string, unknown>[] {
    return this.events.filter((e) => e.event.type === type).map((e) => e.event);
  }

  /** Waits (bounded) until `check` holds; re-checked after every event and connection. */
  async until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stand-in: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Drops every open connection (no closing handshake): an upstream outage. */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private accept(ws: WebSocket): void {
    const connection = ++this.connections;
    this.sockets.add(ws);
    const flavor = this.options.flavor ?? 'ga';
    const names = {
      audio: flavor === 'ga' ? 'response.output_audio.delta' : 'response.audio.delta',
      transcript: flavor === 'ga' ? 'response.output_audio_transcript.delta' : 'response.audio_transcript.delta',
      text: flavor === 'ga' ? 'response.output_text.delta' : 'response.text.delta',
    };
    let seq = 0;
    const send = (event: Record<string, unknown>): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event_id: `ev_${connection}_${++seq}`, ...event }));
    };
    let buffered = 0;
    let running: { id: string; itemId: string; stop: () => void } | undefined;
    const itemAudioMs = new Map<string, number>();
    send({ type: 'session.created', session: { id: `sess_${connection}`, object: 'realtime.session' } });
    ws.on('close', () => {
      this.sockets.delete(ws);
      running?.stop();
      this.notify();
    });
    ws.on('message', (data) => {
      const event = JSON.parse(String(data)) as Record<string, unknown>;
      this.events.push({ connection, event });
      this.notify();
      switch (event.type) {
        case 'session.update':
          return send({ type: 'session.updated', session: event.session });
        case 'input_audio_buffer.append':
          buffered += Buffer.from(String(event.audio), 'base64').byteLength;
          return;
        case 'input_audio_buffer.clear':
          buffered = 0;
          return send({ type: 'input_audio_buffer.cleared' });
        case 'input_audio_buffer.commit': {
          if (buffered < 100 * BYTES_PER_MS) {
            return send({ type: 'error', error: { type: 'invalid_request_error', code: 'input_audio_buffer_commit_empty', message: 'buffer too small', event_id: event.event_id ?? null } });
          }
          buffered = 0;
          const n = this.commits++;
          const itemId = `item_user_${n}`;
          send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: null });
          const text = this.options.transcript?.(n) ?? 'what is the weather like';
          const usage = this.options.transcriptionUsage ?? { type: 'tokens', input_tokens: 50, output_tokens: 8, total_tokens: 58, input_token_details: { audio_tokens: 50, text_tokens: 0 } };
          setTimeout(() => send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: text, usage }), this.options.transcriptDelayMs ?? 0);
          return;
        }
        case 'response.create':
          return this.respond(send, ws, event, (r) => (running = r), itemAudioMs, names);
        case 'response.cancel':
          if (running) running.stop();
          else send({ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'no active response', event_id: event.event_id ?? null } });
          return;
        case 'conversation.item.truncate': {
          const have = itemAudioMs.get(String(event.item_id)) ?? 0;
          if (Number(event.audio_end_ms) > have) {
            return send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'audio_end_ms is past the audio', event_id: event.event_id ?? null } });
          }
          return send({ type: 'conversation.item.truncated', item_id: event.item_id, content_index: 0, audio_end_ms: event.audio_end_ms });
        }
        default:
          return;
      }
    });
  }

  private respond(
    send: (e: Record<string, unknown>) => void,
    ws: WebSocket,
    request: Record<string, unknown>,
    setRunning: (r: { id: string; itemId: string; stop: () => void } | undefined) => void,
    itemAudioMs: Map<string, number>,
    names: { audio: string; transcript: string; text: string },
  ): void {
    const n = this.responses++;
    const r: StandinReply = {
      text: 'It is sunny and warm today.',
      audioMs: 600,
      chunkMs: 100,
      firstDelayMs: 0,
      chunkDelayMs: 0,
      usage: { input_tokens: 100, output_tokens: 60, total_tokens: 160, input_token_details: { text_tokens: 40, audio_tokens: 60, cached_tokens: 0 }, output_token_details: { text_tokens: 10, audio_tokens: 50 } },
      ...this.options.reply?.(n),
    };
    if (r.error) return send({ type: 'error', error: { ...r.error, message: r.error.message ?? r.error.code, event_id: request.event_id ?? null } });
    if (r.silent) return;
    // A text-only response (a typed web chat message): text deltas, no audio.
    const asked = (request.response ?? {}) as { output_modalities?: string[]; modalities?: string[] };
    const modalities = asked.output_modalities ?? asked.modalities;
    const textOnly = Array.isArray(modalities) && !modalities.includes('audio');
    const id = `resp_${n}`;
    const itemId = `item_asst_${n}`;
    const timers: NodeJS.Timeout[] = [];
    let sentMs = 0;
    let stopped = false;
    const done = (status: string): void => {
      for (const t of timers) clearTimeout(t);
      setRunning(undefined);
      const failed = r.failWith ? { error: { type: r.failWith.type, code: r.failWith.code } } : null;
      send({ type: 'response.done', response: { id, object: 'realtime.response', status: r.failWith ? 'failed' : status, status_details: failed, output: [], usage: r.usage } });
    };
    setRunning({
      id,
      itemId,
      stop: () => {
        if (stopped) return;
        stopped = true;
        done('cancelled');
      },
    });
    const at = (ms: number, f: () => void): void => void timers.push(setTimeout(() => !stopped && f(), ms));
    at(r.firstDelayMs, () => {
      send({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress', output: [] } });
      send({ type: 'response.output_item.added', response_id: id, output_index: 0, item: { id: itemId, type: 'message', role: 'assistant', content: [] } });
      const chunks = Math.ceil(r.audioMs / r.chunkMs);
      const words = r.text.split(/(?<= )/);
      const step = (i: number): void => {
        if (stopped) return;
        if (r.dropAfterChunks !== undefined && i >= r.dropAfterChunks) {
          stopped = true;
          setRunning(undefined);
          ws.terminate();
          return;
        }
        if (i >= chunks) {
          stopped = true;
          return done('completed');
        }
        const ms = Math.min(r.chunkMs, r.audioMs - i * r.chunkMs);
        sentMs += ms;
        itemAudioMs.set(itemId, sentMs);
        if (!textOnly) send({ type: names.audio, response_id: id, item_id: itemId, output_index: 0, content_index: 0, delta: tone(ms).toString('base64') });
        const word = words[i] ?? (i === chunks - 1 ? words.slice(chunks).join('') : '');
        if (word) send({ type: textOnly ? names.text : names.transcript, response_id: id, item_id: itemId, output_index: 0, content_index: 0, delta: i === chunks - 1 ? words.slice(i).join('') : word });
        if (r.chunkDelayMs > 0) at(r.chunkDelayMs, () => step(i + 1));
        else step(i + 1);
      };
      step(0);
    });
  }
}

/** `ms` of a quiet 440 Hz tone at 24 kHz. */
function tone(ms: number): Buffer {
  const samples = Math.round(24 * ms);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / 24000)), i * 2);
  return out;
}

let cached: { key: string; cert: string } | undefined;

/** A throwaway self-signed certificate for 127.0.0.1 (openssl), made once per process. */
function selfSigned(): { key: string; cert: string } {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'pichat-rt-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore', timeout: 10_000 });
    cached = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
