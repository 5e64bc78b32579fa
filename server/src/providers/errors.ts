/**
 * Typed provider failures. Every adapter turns what its transport threw (an HTTP status, a socket error, an SDK
 * cancellation, a malformed chunk) into one `ProviderError` with a stable `code` and a `retryable` flag; the policy
 * wrappers (retry, timeout, fallback) decide on those two fields only. The pipeline maps a ProviderError to its
 * stage's protocol code (`stt_failed`, `brain_failed`, `tts_failed`) through `toStageError`, keeping `retryable` and
 * the ProviderError as `cause` so that the turn record shows the provider code.
 *
 * Messages never contain keys, prompts, transcripts or response bodies: only the provider name, the status and the
 * code, so that they are safe to log and to send to a device.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from 'openai';

export type ProviderErrorCode =
  /** 429: the provider asked us to slow down (see `retryAfterMs`). */
  | 'rate_limited'
  /** 5xx from the provider. */
  | 'server_error'
  /** Connection refused, reset, dropped mid-response, DNS failure. */
  | 'network'
  /** No first byte, or no next chunk, within the configured limit. */
  | 'timeout'
  /** 401/403: key missing, wrong or without access. */
  | 'auth'
  /** 400/404/422: the request (model, deployment, voice, parameters) was refused. */
  | 'bad_request'
  /** The response could not be understood (malformed JSON, wrong content type). */
  | 'bad_response'
  /** A provider is unusable as configured (e.g. the SDK could not be set up). */
  | 'unavailable';

const RETRYABLE: Record<ProviderErrorCode, boolean> = {
  rate_limited: true,
  server_error: true,
  network: true,
  timeout: true,
  auth: false,
  bad_request: false,
  bad_response: false,
  unavailable: false,
};

export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly retryable: boolean;
  /** Provider name (e.g. `openai-chat`), for logs and the turn record. */
  readonly provider: string;
  /** HTTP status, when the failure was an HTTP response. */
  readonly status: number | undefined;
  /** How long the provider asked us to wait (from Retry-After / retry-after-ms), ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    options: { provider: string; status?: number; retryAfterMs?: number; retryable?: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.provider = options.provider;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.retryable ?? RETRYABLE[code];
  }
}

/** The code for an HTTP status that is not a success. */
export function codeForStatus(status: number): ProviderErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

/** A ProviderError for an HTTP response with a failure status. */
export function httpError(provider: string, status: number, headers?: { get(name: string): string | null } | null): ProviderError {
  const retryAfterMs = headers ? parseRetryAfter(headers, Date.now()) : undefined;
  return new ProviderError(codeForStatus(status), `${provider}: HTTP ${status}`, { provider, status, retryAfterMs });
}

/**
 * Reads how long to wait from `retry-after-ms` (OpenAI, Azure) or `Retry-After` (seconds or an HTTP date).
 * Returns undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(headers: { get(name: string): string | null }, nowMs: number): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Math.round(Number(value) * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** True for the error an aborted operation rejects with (DOM AbortError, the openai SDK's APIUserAbortError). */
export function isAbortError(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'AbortError';
}

/**
 * Maps anything a transport threw to a ProviderError. Understands the openai SDK's errors (APIError with status and
 * headers, APIConnectionError, APIConnectionTimeoutError), fetch's TypeError ("fetch failed", "terminated") and a
 * SyntaxError from a malformed chunk. Abort errors must be filtered out by the caller before (an abort is not a
 * failure).
 */
export function toProviderError(err: unknown, provider: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { name?: string; status?: unknown; headers?: unknown; message?: string } | null;
  const name = e?.name ?? '';
  if (typeof e?.status === 'number' && e.status >= 400) {
    const headers = isHeaders(e.headers) ? e.headers : undefined;
    const out = httpError(provider, e.status, headers);
    return new ProviderError(out.code, out.message, { provider, status: out.status, retryAfterMs: out.retryAfterMs, cause: err });
  }
  if (err instanceof APIConnectionTimeoutError) return new ProviderError('timeout', `${provider}: request timed out`, { provider, cause: err });
  if (name === 'SyntaxError') return new ProviderError('bad_response', `${provider}: malformed response`, { provider, cause: err });
  if (err instanceof APIConnectionError || err instanceof TypeError || isNodeNetworkError(err)) {
    return new ProviderError('network', `${provider}: connection failed`, { provider, cause: err });
  }
  return new ProviderError('server_error', `${provider}: ${safeMessage(err)}`, { provider, retryable: false, cause: err });
}

function isHeaders(h: unknown): h is { get(name: string): string | null } {
  return typeof (h as { get?: unknown } | null)?.get === 'function';
}

function isNodeNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|UND_ERR)/.test(code);
}

/** The error's class and first line, cut short; bodies and payloads never reach it. */
function safeMessage(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : 'unexpected failure';
  return (text.split('\n')[0] ?? '').slice(0, 160);
}
