import { z } from 'zod';
import { CONVERSATION_PAGE, MESSAGE_PAGE } from '../store/store.js';

/**
 * The web chat protocol (seed 002): JSON text frames `{ "action": string, "payload": object }`, plus binary frames
 * of microphone PCM during a browser push-to-talk turn. A request may carry a top-level `request_id` (string up to
 * 64 characters); the direct answer echoes it. Pure: decoding and validation only, no I/O.
 *
 * ```
 *  browser                                 server
 *  get_conversations ───────────────────► conversations_list
 *  create_conversation{title} ──────────► conversation_created         (others: conversation_created, live)
 *  get_conversation{id} ────────────────► conversation{conversation, messages}
 *  update_conversation{id,title} ───────► conversation_updated         (others: live)
 *  delete_conversation{id} ─────────────► conversation_deleted         (others: live)
 *  send_message{conversation_id?,content,is_audio?}
 *                            ───────────► message_sent{conversation_id, turn_id}
 *                                          everyone: message_created(user), reply_delta*, message_created(assistant),
 *                                          turn_done{timings}; is_audio: the sender also gets audio
 *  get_messages{conversation_id} ───────► messages_list
 *  get_settings ────────────────────────► settings
 *  update_settings{…} ──────────────────► settings_updated             (others: live)
 *  text_to_speech{text,…} ──────────────► audio{format:"wav", audio_data(base64)}
 *  speech_to_text{audio_data(base64)} ──► transcription{text}
 *  search{query} ───────────────────────► search_results
 *  get_costs{conversation_id?} ─────────► costs{total, devices[], conversation?, realtime}   live: realtime_usage
 *  voice_start{conversation_id?,turn_id?} then binary PCM (16 kHz mono s16le) then voice_end{turn_id}
 *                            ───────────► voice{type:"transcript"|"reply.delta"|"audio.start"|"audio.end"|"turn.done"|"error"}
 *                                          binary reply PCM between audio.start and audio.end
 *  voice_cancel{turn_id}; playback_done{turn_id, heard_ms, interrupted}
 *  anything invalid ────────────────────► error{code, message, action?}
 * ```
 */

const id = z.string().min(1).max(64);
const title = z.string().trim().min(1).max(200);
/** Longest text message, characters. */
export const MAX_CONTENT_CHARS = 8000;
/** Longest base64 audio of speech_to_text: 30 s of 16 kHz 16-bit mono as WAV, base64. */
export const MAX_AUDIO_BASE64_CHARS = 1_400_000;

const empty = z.object({}).strict().optional();

export const chatRequestSchemas = {
  get_conversations: z.object({ limit: z.number().int().min(1).max(CONVERSATION_PAGE.max).optional(), before: z.string().max(100).optional() }).strict().optional(),
  create_conversation: z.object({ title: title.optional() }).strict().optional(),
  get_conversation: z.object({ id }).strict(),
  update_conversation: z.object({ id, title }).strict(),
  delete_conversation: z.object({ id }).strict(),
  send_message: z
    .object({ conversation_id: id.optional(), content: z.string().trim().min(1).max(MAX_CONTENT_CHARS), is_audio: z.boolean().optional() })
    .strict(),
  get_messages: z
    .object({
      conversation_id: id,
      after_id: z.number().int().nonnegative().optional(),
      before_id: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(MESSAGE_PAGE.max).optional(),
    })
    .strict(),
  get_settings: empty,
  update_settings: z
    .object({
      selected_model: z.string().max(100).optional(),
      system_prompt: z.string().max(4000).optional(),
      voice_settings: z.object({ gender: z.enum(['female', 'male', '']).optional(), accent: z.string().max(40).optional() }).strict().optional(),
      language: z.string().max(35).regex(/^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)?$/, 'a BCP 47 tag such as en-US').optional(),
      voice_mode: z.enum(['pipeline', 'realtime', '']).optional(),
      device_voice_modes: z.record(z.string().min(1).max(64), z.enum(['pipeline', 'realtime'])).optional(),
      realtime_model: z.string().max(100).optional(),
      realtime_voice: z.string().max(40).optional(),
      realtime_instructions: z.string().max(4000).optional(),
    })
    .strict(),
  text_to_speech: z
    .object({ text: z.string().trim().min(1).max(2000), voice_gender: z.string().max(20).optional(), voice_accent: z.string().max(40).optional() })
    .strict(),
  speech_to_text: z.object({ audio_data: z.string().min(1).max(MAX_AUDIO_BASE64_CHARS).regex(/^[A-Za-z0-9+/=_-]+$/, 'base64') }).strict(),
  search: z.object({ query: z.string().max(200), limit: z.number().int().min(1).max(200).optional() }).strict(),
  voice_start: z
    .object({
      conversation_id: id.optional(),
      turn_id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/).optional(),
      browser_id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8 to 64 letters, digits, _ or -').optional(),
    })
    .strict()
    .optional(),
  voice_end: z.object({ turn_id: id }).strict(),
  voice_cancel: z.object({ turn_id: id }).strict(),
  playback_done: z.object({ turn_id: id, heard_ms: z.number().finite().nonnegative(), interrupted: z.boolean() }).strict(),
  get_costs: z.object({ conversation_id: id.optional() }).strict().optional(),
  ping: empty,
} as const;

export type ChatAction = keyof typeof chatRequestSchemas;
export type ChatPayload<A extends ChatAction> = z.infer<(typeof chatRequestSchemas)[A]>;
export type ChatRequest = { [A in ChatAction]: { action: A; payload: ChatPayload<A>; requestId?: string } }[ChatAction];

export type ChatErrorCode =
  | 'bad_json'
  | 'invalid_message'
  | 'unknown_action'
  | 'invalid_payload'
  | 'not_found'
  | 'too_large'
  | 'busy'
  | 'unauthorized'
  | 'forbidden'
  | 'provider_failed'
  | 'internal';

export type DecodedChat = { ok: true; request: ChatRequest } | { ok: false; code: ChatErrorCode; message: string; action?: string; requestId?: string };

/** Decodes one text frame. Never throws. */
export function decodeChatRequest(text: string): DecodedChat {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'invalid_message', message: 'a message is a JSON object {action, payload}' };
  }
  const { action, payload, request_id: requestId, ...rest } = raw as Record<string, unknown>;
  const echo = typeof requestId === 'string' && requestId.length <= 64 ? { requestId } : {};
  if (requestId !== undefined && !('requestId' in echo)) {
    return { ok: false, code: 'invalid_message', message: 'request_id must be a string of at most 64 characters' };
  }
  if (typeof action !== 'string') return { ok: false, code: 'invalid_message', message: 'missing "action" (a string)', ...echo };
  const extra = Object.keys(rest);
  if (extra.length > 0) return { ok: false, code: 'invalid_message', message: `unknown field "${extra[0]!.slice(0, 40)}"`, action: action.slice(0, 40), ...echo };
  if (!Object.hasOwn(chatRequestSchemas, action)) {
    return { ok: false, code: 'unknown_action', message: `unknown action "${action.slice(0, 40)}"`, action: action.slice(0, 40), ...echo };
  }
  const schema = chatRequestSchemas[action as ChatAction];
  const parsed = schema.safeParse(payload === null ? undefined : payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `payload.${issue.path.join('.')}` : 'payload';
    return { ok: false, code: 'invalid_payload', message: `${where}: ${issue?.message ?? 'invalid'}`, action, ...echo };
  }
  return { ok: true, request: { action, payload: parsed.data, ...echo } as ChatRequest };
}

/** Encodes a server → browser message. */
export function encodeChat(action: string, payload: Record<string, unknown>, requestId?: string): string {
  return JSON.stringify(requestId === undefined ? { action, payload } : { action, payload, request_id: requestId });
}
