import type { z } from 'zod';
import type { ErrorCode } from './errors.js';
import {
  deviceMessageSchema,
  serverMessageSchema,
  type DeviceMessage,
  type ServerMessage,
} from './messages.js';

/** The result of decoding one text frame: a valid message, or a protocol error to send back. */
export type Decoded<M> = { ok: true; message: M } | { ok: false; code: ErrorCode; message: string };

/** Longest JSON control message accepted, in bytes; control messages are small, audio travels as binary. */
export const MAX_CONTROL_BYTES = 16 * 1024;

function decodeWith<M extends { type: string }>(
  schema: z.ZodType<M>,
  knownTypes: ReadonlySet<string>,
  text: string,
): Decoded<M> {
  if (text.length > MAX_CONTROL_BYTES) {
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
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, code: 'invalid_message', message: `invalid ${type}${where}: ${issue?.message ?? 'bad shape'}` };
  }
  return { ok: true, message: parsed.data };
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
