import type { AudioFormat, DeviceMessage, ServerHello, ServerMessage } from '@pichat/shared';

/**
 * What the daemon needs from the world. Real implementations (audio/capture.ts, audio/speaker-sink.ts,
 * audio/aplay-sink.ts, button/gpio.ts, button/keyboard.ts, link/ws-link.ts) are wired in `main.ts`; tests pass the
 * in-memory stand-ins of testing/fakes.ts. Nothing here does I/O.
 */

/** Receives the frames of one capture. Called on the event loop; never after `stop()` returned. */
export interface CaptureListener {
  frame(pcm: Uint8Array): void;
  /** The recorder died (missing binary, device busy, unexpected exit). Called at most once; no frames follow. */
  failed(error: Error): void;
}

/** One running capture. */
export interface Capture {
  /** Stops the recorder. Idempotent; no `frame` or `failed` callback follows. */
  stop(): void;
  /** Resolves once the recorder is gone (after `stop()` or a failure), so that shutdown leaves no child behind. */
  readonly closed: Promise<void>;
}

/** A microphone: each `start` runs one capture in `format`, delivering fixed-size frames. */
export interface AudioSource {
  readonly format: AudioFormat;
  /** Frame duration in milliseconds; every frame is exactly this long. */
  readonly frameMs: number;
  start(listener: CaptureListener): Capture;
  /**
   * The longest delay between the microphone hearing a sound and its frame reaching the listener, in ms (a recorder
   * hands over audio a period at a time). After a release the daemon keeps listening this long, so that the end of
   * the last word is not cut. Undefined: not known, no wait.
   */
  readonly latencyMs?: number;
  /**
   * Drops audio kept from before now for the next turn (a pre-roll), if the source keeps any: what the microphone
   * heard while the speaker played a reply must not open the next turn.
   */
  forget?(): void;
}

/** How one playback ended. */
export interface PlaybackResult {
  /** Milliseconds of the written audio the listener has heard (padding excluded). */
  heardMs: number;
  /** True when `stop()` cut it short. */
  interrupted: boolean;
  /** Set when the output failed; `heardMs` then says how far it got. */
  error?: Error;
}

/** One stream of audio to the speaker, in the format given to `AudioSink.open`. */
export interface Playback {
  /** Queues audio. Ignored after `finish()` or `stop()`. */
  write(pcm: Uint8Array): void;
  /** No more audio: plays what is queued plus a short silent tail, resolves once it has been heard. */
  finish(): Promise<PlaybackResult>;
  /**
   * Silences the output now (the device is released within ~50 ms, asynchronously) and returns how much was heard
   * so far. Synchronous, so that a barge-in can report `playback.done` before its `turn.start`. Idempotent; a
   * pending `finish()` resolves with the same result.
   */
  stop(): PlaybackResult;
}

/** A speaker. */
export interface AudioSink {
  /** For logs: "speaker", "aplay". */
  readonly name: string;
  open(format: AudioFormat): Playback;
  /** Formats this sink plays without conversion, announced in the hello. */
  readonly formats: readonly AudioFormat[];
}

export type ButtonEdge = 'press' | 'release';

/** A push-to-talk button. Implementations debounce; they never emit two presses without a release in between. */
export interface PushButton {
  /** For logs: "gpio:17", "keyboard". */
  readonly name: string;
  start(onEdge: (edge: ButtonEdge) => void): void;
  /**
   * Releases the input (unexports the pin, stops the watcher process, restores the terminal). Idempotent. Returns
   * a promise when releasing takes a process to exit; it resolves once it has.
   */
  close(): void | Promise<void>;
}

/** Events of a `Link`, each optional so that a listener picks what it needs. */
export interface LinkListener {
  /** The server accepted the hello: the link is usable. */
  up?(hello: ServerHello): void;
  /** The link went away; it reconnects by itself. `reason` is for people. */
  down?(reason: string): void;
  /** A validated control message from the server. */
  message?(message: ServerMessage): void;
  /** A binary frame: audio of the most recent `audio.start`. */
  audio?(chunk: Uint8Array): void;
}

/** The connection to the server. Supervised: it reconnects with backoff until `close()`. */
export interface Link {
  readonly isUp: boolean;
  subscribe(listener: LinkListener): () => void;
  /** Sends a control message; false when the link is down (the message is dropped, never queued). */
  send(message: DeviceMessage): boolean;
  /** Sends an audio frame; false when the link is down or congested (the frame is dropped). */
  sendAudio(pcm: Uint8Array): boolean;
  /** Cuts a reconnect back-off short: try now. */
  wake(): void;
}
