import type { ChatErrorCode } from './protocol.js';

/** A failure of a chat or REST request, with its stable code; mapped to HTTP status in one place. */
export class ChatError extends Error {
  override name = 'ChatError';
  constructor(
    readonly code: ChatErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const HTTP_STATUS: Record<ChatErrorCode, number> = {
  bad_json: 400,
  invalid_message: 400,
  unknown_action: 400,
  invalid_payload: 400,
  not_found: 404,
  too_large: 413,
  busy: 409,
  unauthorized: 401,
  forbidden: 403,
  provider_failed: 502,
  internal: 500,
};

/** Any thrown value as a ChatError (unknown errors become `internal` without leaking their message). */
export function toChatError(err: unknown): ChatError {
  if (err instanceof ChatError) return err;
  return new ChatError('internal', 'the server could not handle that request');
}
