import { ProviderError, type ProviderErrorCode } from '../errors.js';
import type { AzureCancelCode, AzureCancellation } from './ports.js';

const CODES: Record<AzureCancelCode, ProviderErrorCode> = {
  end_of_stream: 'bad_response',
  connection_failure: 'network',
  authentication_failure: 'auth',
  forbidden: 'auth',
  too_many_requests: 'rate_limited',
  service_timeout: 'timeout',
  service_error: 'server_error',
  bad_request: 'bad_request',
  runtime_error: 'unavailable',
  unknown: 'server_error',
};

/** A ProviderError for an SDK cancellation (or anything the SDK threw). The SDK's details are not in the message. */
export function azureError(provider: string, cause: unknown): ProviderError {
  if (cause instanceof ProviderError) return cause;
  const c = cause as Partial<AzureCancellation> | null;
  const code = c?.code && c.code in CODES ? CODES[c.code] : 'unavailable';
  return new ProviderError(code, `${provider}: ${c?.code ?? 'sdk failure'}`, { provider, cause });
}
