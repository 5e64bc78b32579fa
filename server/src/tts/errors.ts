import { ProtocolError } from '@pichat/shared';

/** A text-to-speech failure (missing binary, crash, bad output). Protocol code `tts_failed`. */
export class TtsError extends ProtocolError {
  override name = 'TtsError';
  constructor(
    message: string,
    private readonly canRetry: boolean,
    options?: { cause?: unknown },
  ) {
    super('tts_failed', message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
  override get retryable(): boolean {
    return this.canRetry;
  }
}
