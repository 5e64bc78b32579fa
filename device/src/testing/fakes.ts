import { SPEECH_FORMAT, type AudioFormat, type DeviceMessage, type ServerMessage } from '@pichat/shared';
import type {
  AudioSink,
  AudioSource,
  Capture,
  CaptureListener,
  Link,
  LinkListener,
  Playback,
  PlaybackResult,
} from '../daemon/ports.js';

/**
 * In-memory stand-ins for the daemon's ports that record what they are asked to do. Tests drive them by hand:
 * `source.emit(frame)`, `link.serverSends(message)`, `sink.last.heard(ms)`.
 */

export class FakeSource implements AudioSource {
  readonly format: AudioFormat = SPEECH_FORMAT;
  readonly frameMs = 20;
  /** AudioSource.latencyMs: none unless a test sets it. */
  latencyMs: number | undefined;
  starts = 0;
  stops = 0;
  forgets = 0;
  private listener: CaptureListener | undefined;

  get running(): boolean {
    return this.listener !== undefined;
  }

  start(listener: CaptureListener): Capture {
    this.starts++;
    this.listener = listener;
    return {
      stop: () => {
        if (this.listener !== listener) return;
        this.stops++;
        this.listener = undefined;
      },
      closed: Promise.resolve(),
    };
  }

  emit(frame: Uint8Array): void {
    this.listener?.frame(frame);
  }

  forget(): void {
    this.forgets++;
  }

  fail(error: Error): void {
    const l = this.listener;
    this.listener = undefined;
    l?.failed(error);
  }
}

export class FakePlayback implements Playback {
  readonly written: Uint8Array[] = [];
  finished = false;
  stopped = false;
  /** What `stop()` and `finish()` report as heard, in ms; a test moves it. */
  heardMs = 0;
  private settle: ((r: PlaybackResult) => void) | undefined;
  private readonly done = new Promise<PlaybackResult>((resolve) => (this.settle = resolve));

  constructor(readonly format: AudioFormat) {}

  get bytes(): number {
    return this.written.reduce((n, b) => n + b.byteLength, 0);
  }

  write(pcm: Uint8Array): void {
    if (!this.finished && !this.stopped) this.written.push(pcm);
  }

  finish(): Promise<PlaybackResult> {
    this.finished = true;
    return this.done;
  }

  /** The speaker reached the end of what `finish()` queued. */
  drain(result: Partial<PlaybackResult> = {}): void {
    this.settle?.({ heardMs: this.heardMs, interrupted: false, ...result });
  }

  stop(): PlaybackResult {
    this.stopped = true;
    const r = { heardMs: this.heardMs, interrupted: true };
    this.settle?.(r);
    return r;
  }
}

export class FakeSink implements AudioSink {
  readonly name = 'fake';
  readonly formats: readonly AudioFormat[] = [SPEECH_FORMAT];
  readonly opened: FakePlayback[] = [];

  get last(): FakePlayback | undefined {
    return this.opened.at(-1);
  }

  open(format: AudioFormat): Playback {
    const p = new FakePlayback(format);
    this.opened.push(p);
    return p;
  }
}

/** What the device sent, in order: control messages as objects, audio as `{ audio: bytes }`. */
export type Sent = DeviceMessage | { audio: number };

export class FakeLink implements Link {
  isUp = false;
  readonly sent: Sent[] = [];
  wakes = 0;
  /** When set, sendAudio reports congestion. */
  congested = false;
  private readonly listeners = new Set<LinkListener>();

  subscribe(listener: LinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(message: DeviceMessage): boolean {
    if (!this.isUp) return false;
    this.sent.push(message);
    return true;
  }

  sendAudio(pcm: Uint8Array): boolean {
    if (!this.isUp || this.congested) return false;
    this.sent.push({ audio: pcm.byteLength });
    return true;
  }

  wake(): void {
    this.wakes++;
  }

  /** Control messages of one type that the device sent. */
  sentOf<T extends DeviceMessage['type']>(type: T): Extract<DeviceMessage, { type: T }>[] {
    return this.sent.filter((m): m is Extract<DeviceMessage, { type: T }> => 'type' in m && m.type === type);
  }

  /** The `type` of each control message sent and `audio` for each frame, in order. */
  get sentKinds(): string[] {
    return this.sent.map((m) => ('type' in m ? m.type : 'audio'));
  }

  goUp(): void {
    this.isUp = true;
    const hello = {
      type: 'hello' as const,
      protocol: 1,
      server: { name: 'fake', version: '0' },
      device: { id: 'd1', name: 'test' },
      limits: { maxFrameBytes: 4096, maxTurnMs: 30000, inputFormats: [SPEECH_FORMAT] },
    };
    for (const l of this.listeners) l.up?.(hello);
  }

  goDown(reason = 'test'): void {
    this.isUp = false;
    for (const l of this.listeners) l.down?.(reason);
  }

  serverSends(message: ServerMessage): void {
    for (const l of this.listeners) l.message?.(message);
  }

  serverSendsAudio(chunk: Uint8Array): void {
    for (const l of this.listeners) l.audio?.(chunk);
  }
}
