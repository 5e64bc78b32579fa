import type { AudioFormat } from '@pichat/shared';

/**
 * The seams of a turn. Each provider only makes its call; timeouts, retries, fallback and metrics wrap providers
 * (see ARCHITECTURE.md). Every call takes the turn's AbortSignal: when it fires the provider stops its work, frees
 * what it holds (child processes, sockets) and settles quickly; an abort is a normal ending, not an error.
 */

/** Streaming speech-to-text: audio is pushed while the user speaks; the final text is asked for at release. */
export interface SpeechToText {
  readonly name: string;
  /** Opens one recognition for one turn. Audio must be in `format` (providers may reject other formats). */
  start(options: SttStartOptions): SttStream;
}

export interface SttStartOptions {
  format: AudioFormat;
  signal: AbortSignal;
  language?: string;
  /**
   * Which microphone the audio comes from (`device:<id>`, `web`): an engine may adapt to it across turns (the
   * embedded recogniser learns its cepstral mean). Unset: nothing is carried from turn to turn.
   */
  channel?: string;
}

export interface SttStream {
  /** Pushes audio (whole 16-bit samples). Never throws; failures surface from `finish()`. */
  write(pcm: Uint8Array): void;
  /** Ends the audio and resolves with the final result. Rejects with a typed error if recognition failed. */
  finish(): Promise<SttResult>;
}

export interface SttResult {
  /** The recognised text, normalised to lower case words; '' when nothing (in vocabulary) was heard. */
  text: string;
  /** True when speech was heard but rejected as outside what the recogniser knows. */
  rejected?: boolean;
}

/** Something a reply asks the device or the session to do besides speaking. */
export type BrainAction =
  | { type: 'volume'; volume: number }
  | { type: 'new_conversation' }
  | { type: 'stop' };

export interface BrainRequest {
  /** The user's words. */
  text: string;
  /** What the conversation knows so far (grows with the history issue). */
  context: {
    /** The last reply spoken on this device, for "repeat that". */
    lastReply?: string;
    /** The device's current volume, 0..100, for "volume up". */
    volume: number;
    /** Current time, injectable for tests. */
    now: Date;
    /** Earlier messages of this conversation, oldest first (for an LLM's memory). */
    history?: readonly HistoryMessage[];
  };
}

export interface HistoryMessage {
  role: 'user' | 'assistant';
  text: string;
}

export interface BrainReply {
  /** Who answered: a skill name, "llm" or "fallback". */
  handler: string;
  /** The reply text as it is produced (a skill yields it whole; an LLM streams deltas). May be empty (e.g. "stop"). */
  text: AsyncIterable<string>;
  actions: BrainAction[];
}

/** Text in, streamed text out. */
export interface Brain {
  reply(request: BrainRequest, signal: AbortSignal): Promise<BrainReply>;
}

/** Text to a stream of audio chunks, in the format the result announces. */
export interface TextToSpeech {
  readonly name: string;
  synthesize(text: string, signal: AbortSignal): TtsStream;
}

export interface TtsStream {
  format: AudioFormat;
  /** Audio chunks (whole samples) as they are produced; ends when synthesis ends or the signal aborts. */
  chunks: AsyncIterable<Uint8Array>;
}
