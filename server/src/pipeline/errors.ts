import { ERROR_CODES, type ErrorCode } from '@pichat/shared';

/** A failure of one stage of a turn, with the protocol code it is reported under. */
export class StageError extends Error {
  override name = 'StageError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryable = ERROR_CODES[code].retryable,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Maps anything a stage threw to a StageError: typed provider errors keep their code (when it is a protocol
 * code), everything else becomes the stage's generic code. The message is safe to show a user: it never includes
 * audio, transcripts or keys.
 */
export function toStageError(err: unknown, fallback: ErrorCode): StageError {
  if (err instanceof StageError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' && code in ERROR_CODES ? (code as ErrorCode) : fallback;
  const message = err instanceof Error ? err.message : String(err);
  return new StageError(known, message, (err as { retryable?: boolean } | null)?.retryable, { cause: err });
}

/** True for the error an aborted operation rejects with. */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  return (err as { name?: string } | null)?.name === 'AbortError';
}

/** Resolves like `promise`, or rejects with an AbortError as soon as `signal` aborts. Removes its listener. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined); // a late failure after the abort won must not become an unhandled rejection
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function abortError(): Error {
  const err = new Error('the operation was aborted');
  err.name = 'AbortError';
  return err;
}
