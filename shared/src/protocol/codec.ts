import type { z } from 'zod';
import type { ErrorCode } from './errors.js';
import {
  deviceMessageSchema,
  serverMessageSchema,
  type DeviceMessage,
  type ServerMessage,
} from './messages.js';

/** The result of decoding one text frame: a valid message, or a protocol error to send back. */
export type Decoded<M> =
  | { ok: true; message: M }
  /** `turnId` is the invalid message's own turn id, when it had a well-formed one, so the error can name it. */
  | { ok: false; code: ErrorCode; message: string; turnId?: string };

/** Longest JSON control message accepted, in bytes; control messages are small, audio travels as binary. */
export const MAX_CONTROL_BYTES = 16 * 1024;

function decodeWith<M extends { type: string }>(
  schema: z.ZodType<M>,
  knownTypes: ReadonlySet<string>,
  text: string,
): Decoded<M> {
  if (utf8Length(text, MAX_CONTROL_BYTES) > MAX_CONTROL_BYTES) {
    return { ok: false, code: 'invalid_message', message: `control message longer than ${MAX_CONTROL_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'text frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_message', message: 'a message must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, code: 'invalid_message', message: 'message has no "type" string' };
  if (!knownTypes.has(type)) {
    return { ok: false, code: 'unknown_type', message: `unknown message type "${type.slice(0, 40)}"` };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const issue = issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    // A message whose only fault is its audio format gets the code that says so, not a generic one.
    const code = issues.every((i) => isFormatPath(i.path)) ? 'unsupported_format' : 'invalid_message';
    const turnId = (value as { turnId?: unknown }).turnId;
    const named = typeof turnId === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(turnId) ? { turnId } : {};
    return { ok: false, code, message: `invalid ${type}${where}: ${issue?.message ?? 'bad shape'}`, ...named };
  }
  return { ok: true, message: parsed.data };
}

/** Where audio formats sit: `format` (turn.start, audio.start), `capabilities.playback`, `limits.inputFormats`. */
function isFormatPath(path: readonly PropertyKey[]): boolean {
  return (
    path[0] === 'format' ||
    (path[0] === 'capabilities' && path[1] === 'playback') ||
    (path[0] === 'limits' && path[1] === 'inputFormats')
  );
}

/** UTF-8 byte length of `text`, counting no further than just past `limit`. */
function utf8Length(text: string, limit: number): number {
  if (text.length > limit) return text.length; // at least one byte per UTF-16 unit
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4; // a surrogate pair: one 4-byte code point
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

const deviceTypes = new Set(deviceMessageSchema.options.map((o) => o.shape.type.value));
const serverTypes = new Set(serverMessageSchema.options.map((o) => o.shape.type.value));

/** Decodes a text frame a device sent to the server. Never throws. */
export function decodeDeviceMessage(text: string): Decoded<DeviceMessage> {
  return decodeWith(deviceMessageSchema as z.ZodType<DeviceMessage>, deviceTypes, text);
}

/** Decodes a text frame the server sent to a device. Never throws. */
export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  return decodeWith(serverMessageSchema as z.ZodType<ServerMessage>, serverTypes, text);
}

/** Encodes a message as a text frame. Types guarantee the shape; no validation on the way out. */
export function encodeMessage(message: DeviceMessage | ServerMessage): string {
  return JSON.stringify(message);
}
