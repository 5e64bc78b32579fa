import { ProtocolError } from '@pichat/shared';

/**
 * A speech-to-text failure (missing binary, crash, timeout). Carries the protocol code `stt_failed`, so the server
 * maps it to the device error in one place; `retryable` says whether the same call may succeed again.
 */
export class SttError extends ProtocolError {
  override name = 'SttError';
  constructor(
    message: string,
    private readonly canRetry: boolean,
    options?: { cause?: unknown },
  ) {
    super('stt_failed', message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
  override get retryable(): boolean {
    return this.canRetry;
  }
}
