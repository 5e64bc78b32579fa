/**
 * The realtime event protocol, typed with the official `openai` package's definitions (GA:
 * `openai/resources/realtime/realtime`, beta/preview: `openai/resources/beta/realtime/realtime`), reduced to what
 * PiChat needs. Pure: builds client events and normalises server events; no I/O, so tests feed literal fixtures.
 *
 * Both protocol generations are accepted on input, whatever was configured for output:
 *
 * | meaning                  | GA name                                   | beta / Azure preview name            |
 * |--------------------------|-------------------------------------------|--------------------------------------|
 * | reply audio              | `response.output_audio.delta`             | `response.audio.delta`               |
 * | reply audio transcript   | `response.output_audio_transcript.delta`  | `response.audio_transcript.delta`    |
 * | reply text (text mode)   | `response.output_text.delta`              | `response.text.delta`                |
 * | item added               | `conversation.item.added`                 | `conversation.item.created`          |
 */
import type * as Beta from 'openai/resources/beta/realtime/realtime';
import type * as Ga from 'openai/resources/realtime/realtime';

/** Which generation of the protocol to speak: `ga` (OpenAI today) or `beta` (Azure `api-version=…-preview`). */
export type RealtimeFlavor = 'ga' | 'beta';

/** Audio the realtime models take and give: 24 kHz mono 16-bit little-endian PCM. */
export const REALTIME_RATE_HZ = 24_000;

/** What a session is configured with (from settings and the environment). */
export interface RealtimeSessionConfig {
  model: string;
  voice: string;
  instructions: string;
  /** Model that transcribes the user's audio for the history (and for local skills). */
  transcribeModel: string;
  /** BCP 47 language of the user's speech, given to the transcriber as a hint ('' = auto). */
  language: string;
  flavor: RealtimeFlavor;
}

export type ClientEvent = Ga.RealtimeClientEvent | Beta.RealtimeClientEvent;
export type ServerEvent = Ga.RealtimeServerEvent | Beta.RealtimeServerEvent;

/** Usage of one response as the API reports it (`response.done` → `response.usage`). Same in GA and beta. */
export type ResponseUsage = Ga.RealtimeResponseUsage;
/** Usage of one input transcription (`…input_audio_transcription.completed` → `usage`). */
export type TranscriptionUsage = Ga.ConversationItemInputAudioTranscriptionCompletedEvent['usage'];

/** A server event, reduced to the fields PiChat acts on. */
export type UpstreamEvent =
  | { type: 'session.ready' }
  | { type: 'error'; code: string; errorType: string; message: string; clientEventId?: string }
  | { type: 'committed'; itemId: string }
  | { type: 'user.transcript'; itemId: string; text: string; usage?: TranscriptionUsage }
  | { type: 'user.transcript.failed'; itemId: string; message: string }
  | { type: 'response.created'; responseId: string }
  | { type: 'item.added'; responseId: string; itemId: string }
  | { type: 'audio.delta'; responseId: string; itemId: string; pcm: Buffer }
  | { type: 'text.delta'; responseId: string; itemId: string; text: string }
  | { type: 'response.done'; responseId: string; status: string; usage?: ResponseUsage; errorCode?: string; errorMessage?: string }
  | { type: 'truncated'; itemId: string; audioEndMs: number };

/**
 * Normalises one server event (GA or beta); undefined for events PiChat ignores. Never throws on a shape it does
 * not expect: missing fields become '' so that a protocol change degrades into "ignored", not a crash.
 */
export function normalizeEvent(raw: unknown): UpstreamEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const event = raw as ServerEvent;
  const e = raw as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  switch (event.type) {
    case 'session.created':
    case 'session.updated':
      return { type: 'session.ready' };
    case 'error': {
      const err = (e.error ?? {}) as Record<string, unknown>;
      return {
        type: 'error',
        code: str(err.code),
        errorType: str(err.type),
        message: str(err.message).slice(0, 300),
        ...(typeof err.event_id === 'string' ? { clientEventId: err.event_id } : {}),
      };
    }
    case 'input_audio_buffer.committed':
      return { type: 'committed', itemId: event.item_id };
    case 'conversation.item.input_audio_transcription.completed':
      return { type: 'user.transcript', itemId: event.item_id, text: str(event.transcript).trim(), ...(event.usage ? { usage: event.usage } : {}) };
    case 'conversation.item.input_audio_transcription.failed':
      return { type: 'user.transcript.failed', itemId: event.item_id, message: str((e.error as Record<string, unknown> | undefined)?.message).slice(0, 200) };
    case 'response.created':
      return { type: 'response.created', responseId: str(event.response.id) };
    case 'response.output_item.added':
      return { type: 'item.added', responseId: event.response_id, itemId: str(event.item.id) };
    case 'response.output_audio.delta':
    case 'response.audio.delta':
      return { type: 'audio.delta', responseId: event.response_id, itemId: event.item_id, pcm: Buffer.from(event.delta, 'base64') };
    case 'response.output_audio_transcript.delta':
    case 'response.audio_transcript.delta':
    case 'response.output_text.delta':
    case 'response.text.delta':
      return { type: 'text.delta', responseId: event.response_id, itemId: event.item_id, text: event.delta };
    case 'response.done': {
      const response = event.response as Ga.RealtimeResponse;
      const details = (response.status_details ?? {}) as { error?: { code?: string; type?: string; message?: string } | null; reason?: string };
      return {
        type: 'response.done',
        responseId: str(response.id),
        status: str(response.status),
        ...(response.usage ? { usage: response.usage } : {}),
        ...(details.error ? { errorCode: details.error.code ?? details.error.type ?? 'error', errorMessage: str(details.error.message).slice(0, 300) } : {}),
      };
    }
    case 'conversation.item.truncated':
      return { type: 'truncated', itemId: event.item_id, audioEndMs: event.audio_end_ms };
    default:
      return undefined;
  }
}

/** `session.update` for push-to-talk: no server VAD (the button decides), 24 kHz PCM both ways, transcription on. */
export function sessionUpdate(config: RealtimeSessionConfig): ClientEvent {
  const transcription = { model: config.transcribeModel, ...(config.language ? { language: config.language.split('-')[0]! } : {}) };
  if (config.flavor === 'beta') {
    const event: Beta.SessionUpdateEvent = {
      type: 'session.update',
      session: {
        modalities: ['audio', 'text'],
        instructions: config.instructions,
        voice: config.voice as Beta.SessionUpdateEvent.Session['voice'],
        input_audio_format: 'pcm16',
        output_audio_format: 'pcm16',
        input_audio_transcription: transcription,
        // null turns server VAD off (push-to-talk); the beta typings do not admit null, the API does.
        turn_detection: null,
      } as unknown as Beta.SessionUpdateEvent.Session,
    };
    return event;
  }
  const event: Ga.SessionUpdateEvent = {
    type: 'session.update',
    session: {
      type: 'realtime',
      output_modalities: ['audio'],
      instructions: config.instructions,
      audio: {
        input: { format: { type: 'audio/pcm', rate: REALTIME_RATE_HZ }, transcription, turn_detection: null },
        output: { format: { type: 'audio/pcm', rate: REALTIME_RATE_HZ }, voice: config.voice },
      },
    },
  };
  return event;
}

export function appendAudio(pcm24k: Uint8Array): ClientEvent {
  return { type: 'input_audio_buffer.append', audio: Buffer.from(pcm24k.buffer, pcm24k.byteOffset, pcm24k.byteLength).toString('base64') };
}

export const commitAudio = (): ClientEvent => ({ type: 'input_audio_buffer.commit' });
export const clearAudio = (): ClientEvent => ({ type: 'input_audio_buffer.clear' });
export const cancelResponse = (): ClientEvent => ({ type: 'response.cancel' });

/** `response.create`; `text` asks for a text-only answer (a typed message in the web chat). */
export function createResponse(flavor: RealtimeFlavor, modality: 'audio' | 'text' = 'audio'): ClientEvent {
  if (modality === 'audio') return { type: 'response.create' };
  return flavor === 'ga'
    ? { type: 'response.create', response: { output_modalities: ['text'] } }
    : { type: 'response.create', response: { modalities: ['text'] } };
}

/** Cuts an assistant item's audio (and the server's transcript of it) at what the listener heard. */
export function truncateItem(itemId: string, audioEndMs: number): ClientEvent {
  return { type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: Math.max(0, Math.floor(audioEndMs)) };
}

export function deleteItem(itemId: string): ClientEvent {
  return { type: 'conversation.item.delete', item_id: itemId };
}

/** A text message added to the conversation: the user's typed words, or a reply a local skill gave. */
export function textItem(flavor: RealtimeFlavor, role: 'user' | 'assistant', text: string): ClientEvent {
  if (role === 'user') {
    return { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } };
  }
  return flavor === 'ga'
    ? { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] } }
    : { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'text', text }] } };
}

/**
 * Error codes that mean "this account or configuration cannot be served": retrying will not help, the mode falls
 * back to the regular pipeline until the configuration changes.
 */
const REFUSED_CODES = new Set(['invalid_api_key', 'insufficient_quota', 'model_not_found', 'invalid_model', 'unauthorized', 'account_deactivated', 'billing_hard_limit_reached']);

/** True when an `error` event (or a failed response's error) refuses the session as configured. */
export function isRefusal(code: string, errorType = ''): boolean {
  return REFUSED_CODES.has(code) || errorType === 'authentication_error' || errorType === 'insufficient_quota';
}

/** Release of the button: commit the buffered audio, then ask for a spoken answer; `ids` tag both for errors. */
export function commitAndCreate(flavor: RealtimeFlavor, ids: readonly [string, string], modality: 'audio' | 'text' = 'audio'): ClientEvent[] {
  return [
    { ...commitAudio(), event_id: ids[0] },
    { ...createResponse(flavor, modality), event_id: ids[1] },
  ];
}
