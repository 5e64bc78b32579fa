/**
 * Stable error codes of the device protocol. Clients switch on these, so they never change meaning; the message
 * beside them is for people. One table maps each code to whether the client may retry and to the WebSocket close
 * code used when the error ends the connection.
 */
export const ERROR_CODES = {
  unauthorized: { closeCode: 4401, retryable: false },
  protocol_version: { closeCode: 4400, retryable: false },
  hello_required: { closeCode: undefined, retryable: false },
  bad_json: { closeCode: undefined, retryable: false },
  unknown_type: { closeCode: undefined, retryable: false },
  invalid_message: { closeCode: undefined, retryable: false },
  unsupported_format: { closeCode: undefined, retryable: false },
  no_active_turn: { closeCode: undefined, retryable: false },
  frame_too_large: { closeCode: undefined, retryable: false },
  turn_too_long: { closeCode: undefined, retryable: false },
  turn_superseded: { closeCode: undefined, retryable: false },
  no_speech: { closeCode: undefined, retryable: true },
  stt_failed: { closeCode: undefined, retryable: true },
  brain_failed: { closeCode: undefined, retryable: true },
  tts_failed: { closeCode: undefined, retryable: true },
  server_busy: { closeCode: 1013, retryable: true },
  internal: { closeCode: undefined, retryable: true },
} as const satisfies Record<string, { closeCode: number | undefined; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** WebSocket close codes PiChat uses besides the ones in ERROR_CODES. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  /** ws closes with this when a frame exceeds its maxPayload. */
  messageTooBig: 1009,
  /** A newer connection with the same device token replaced this one. */
  replaced: 4409,
  /** No pong within the heartbeat timeout. */
  heartbeatTimeout: 4408,
} as const;

/** An error that carries a protocol code; thrown inside the server and device, sent as an `error` message. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly turnId?: string,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}
