import {
  PROTOCOL_VERSION,
  SPEECH_FORMAT,
  decodeServerMessage,
  encodeMessage,
  type AudioFormat,
  type DeviceMessage,
  type MessageOf,
  type ServerMessage,
} from '@pichat/shared';
import WebSocket from 'ws';
import { WaitingSocket } from './waiting-socket.js';

/** Playback formats a test device announces. */
export const TEST_PLAYBACK: AudioFormat[] = [
  SPEECH_FORMAT,
  { encoding: 'pcm_s16le', sampleRateHz: 22050, channels: 1 },
];

export type Received = { kind: 'message'; message: ServerMessage; at: number } | { kind: 'audio'; bytes: Buffer; at: number };

/**
 * A scripted device for tests and benchmarks: records everything the server sends, in order, and offers bounded
 * waits for it.
 */
export class TestDevice extends WaitingSocket {
  readonly received: Received[] = [];

  private constructor(ws: WebSocket) {
    super(ws);
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.received.push({ kind: 'audio', bytes, at });
      else {
        const decoded = decodeServerMessage(bytes.toString('utf8'));
        if (!decoded.ok) throw new Error(`server sent an invalid message: ${decoded.message}`);
        this.received.push({ kind: 'message', message: decoded.message, at });
      }
      this.notify();
    });
  }

  protected arrived(): unknown {
    return this.messages().map((m) => m.type);
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string, token: string | undefined): Promise<TestDevice> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });
      const device = new TestDevice(ws);
      ws.once('open', () => resolve(device));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Connects and completes the hello exchange. */
  static async ready(url: string, token: string, playback = TEST_PLAYBACK): Promise<TestDevice> {
    const device = await TestDevice.connect(url, token);
    device.send({ type: 'hello', protocol: PROTOCOL_VERSION, device: { name: 'test' }, capabilities: { playback, features: [] } });
    await device.waitFor('hello');
    return device;
  }

  send(message: DeviceMessage): void {
    this.ws.send(encodeMessage(message));
  }

  sendRaw(data: string | Uint8Array): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  messages(): ServerMessage[] {
    return this.received.flatMap((r) => (r.kind === 'message' ? [r.message] : []));
  }

  /** Waits for the next not-yet-consumed message of `type` matching `match`, at most `timeoutMs`. */
  async waitFor<T extends ServerMessage['type']>(
    type: T,
    match: (m: MessageOf<ServerMessage, T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<MessageOf<ServerMessage, T>> {
    const found = await this.until(() => {
      for (const r of this.received) {
        if (r.kind === 'message' && r.message.type === type && match(r.message as MessageOf<ServerMessage, T>)) {
          return r.message as MessageOf<ServerMessage, T>;
        }
      }
      return undefined;
    }, timeoutMs, `message ${type}`);
    return found;
  }

  /** All reply audio received for a turn (between its audio.start and audio.end). */
  audioFor(turnId: string): Buffer {
    const parts: Buffer[] = [];
    let inside = false;
    for (const r of this.received) {
      if (r.kind === 'message') {
        if (r.message.type === 'audio.start') inside = r.message.turnId === turnId;
        if (r.message.type === 'audio.end' && r.message.turnId === turnId) inside = false;
      } else if (inside) parts.push(r.bytes);
    }
    return Buffer.concat(parts);
  }

  /** Streams PCM as frames of `frameMs`, paced in real time when `realTime` (the way a microphone delivers it). */
  async streamPcm(pcm: Uint8Array, options: { frameMs?: number; realTime?: boolean; format?: AudioFormat } = {}): Promise<void> {
    const format = options.format ?? SPEECH_FORMAT;
    const frameBytes = Math.round((format.sampleRateHz * (options.frameMs ?? 20)) / 1000) * 2 * format.channels;
    const start = performance.now();
    for (let offset = 0, i = 0; offset < pcm.byteLength; offset += frameBytes, i++) {
      if (options.realTime) {
        const due = start + i * (options.frameMs ?? 20);
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      this.ws.send(pcm.subarray(offset, offset + frameBytes), { binary: true });
    }
  }
}
