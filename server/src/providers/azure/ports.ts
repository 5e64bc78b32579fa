import type { AudioFormat } from '@pichat/shared';

/**
 * The few things PiChat uses of microsoft-cognitiveservices-speech-sdk, as small ports. The real implementation
 * (sdk.ts) adapts the SDK; tests pass stand-ins that record writes and close() calls. Callback APIs of the SDK
 * become promises here; SDK enums become strings.
 */

/** Why a recognition or synthesis was cancelled, mapped from the SDK's CancellationErrorCode. */
export type AzureCancelCode =
  | 'end_of_stream'
  | 'connection_failure'
  | 'authentication_failure'
  | 'forbidden'
  | 'too_many_requests'
  | 'service_timeout'
  | 'service_error'
  | 'bad_request'
  | 'runtime_error'
  | 'unknown';

export interface AzureCancellation {
  code: AzureCancelCode;
  /** The SDK's details text (no audio, no key). */
  details: string;
}

export interface RecognizerPort {
  /** Each final phrase (continuous recognition may produce several per turn). */
  onRecognized: ((text: string) => void) | undefined;
  onCanceled: ((cancellation: AzureCancellation) => void) | undefined;
  onSessionStopped: (() => void) | undefined;
  startContinuous(): Promise<void>;
  stopContinuous(): Promise<void>;
  close(): Promise<void>;
}

export interface PushStreamPort {
  /** Takes exactly the bytes to send: never a pooled Buffer's whole `buffer`. */
  write(audio: ArrayBuffer): void;
  close(): void;
}

export interface SynthesizerPort {
  /** Raw PCM of the synthesis in progress (the SDK's `synthesizing` events). */
  onAudio: ((audio: ArrayBuffer) => void) | undefined;
  /** Resolves when the synthesis completed; rejects with an AzureCancellation. */
  speakSsml(ssml: string): Promise<void>;
  close(): Promise<void>;
}

export interface AzureSpeechPorts {
  createRecognizer(options: { language: string; format: AudioFormat }): { recognizer: RecognizerPort; push: PushStreamPort };
  /** A synthesizer producing Raw16Khz16BitMonoPcm. */
  createSynthesizer(): SynthesizerPort;
}

/** An exact ArrayBuffer holding the bytes of `bytes` (a Buffer may be a view into a shared 8 kB pool). */
export function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
