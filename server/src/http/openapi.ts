import { CONVERSATION_PAGE } from '../store/store.js';

/** The OpenAPI 3.1 description of the REST API, served at /openapi.json and rendered at /docs. */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const body = (schema: unknown) => ({ required: true, content: { 'application/json': { schema } } });
const errors = {
  '400': json(ref('Error'), 'Invalid request'),
  '401': json(ref('Error'), 'Not logged in'),
  '403': json(ref('Error'), 'Cross-origin request refused'),
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required });
const str = { type: 'string' };
const int = { type: 'integer' };

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'PiChat API',
      version,
      description:
        'Conversation history, text chat, settings and devices of a PiChat server. Log in with POST /api/login: the ' +
        'answer sets an HttpOnly SameSite=Strict cookie that every other endpoint requires. Requests that change ' +
        'something must send Content-Type: application/json and, from a browser, an Origin of this server. The live ' +
        'chat socket /ws/chat speaks {action, payload} JSON (see docs/web.md).',
    },
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'pichat_session' } },
      schemas: {
        Error: obj({ error: str, message: str }, ['error', 'message']),
        Conversation: obj(
          { id: str, title: str, created_at: { type: 'string', format: 'date-time' }, last_message_at: { type: 'string', format: 'date-time' }, device_id: { type: ['string', 'null'] }, message_count: int },
          ['id', 'title', 'created_at', 'last_message_at', 'message_count'],
        ),
        Message: obj(
          {
            id: int,
            conversation_id: str,
            role: { enum: ['user', 'assistant'] },
            content: str,
            source: { enum: ['device', 'web'] },
            device_id: { type: ['string', 'null'] },
            created_at: { type: 'string', format: 'date-time' },
            interrupted: { type: 'boolean', description: 'the reply was cut short: content is what was heard' },
            turn_id: { type: ['string', 'null'] },
            timings: { type: ['object', 'null'], additionalProperties: { type: 'number' }, description: 'stage timestamps, ms since the turn started' },
            handler: { type: ['string', 'null'] },
            outcome: { type: ['string', 'null'] },
          },
          ['id', 'conversation_id', 'role', 'content', 'source', 'created_at', 'interrupted'],
        ),
        SearchHit: obj({ message: ref('Message'), conversation_title: str, snippet: { type: 'string', description: 'matches between U+0002 and U+0003' } }),
        Settings: obj({
          selected_model: str,
          system_prompt: str,
          voice_settings: obj({ gender: { enum: ['female', 'male', ''] }, accent: str }),
          language: { type: 'string', description: 'BCP 47, e.g. en-US' },
        }),
        Device: obj({ id: str, name: str, created_at: str, last_seen_at: { type: ['string', 'null'] }, online: { type: 'boolean' }, volume: { type: ['integer', 'null'] } }),
      },
    },
    security: [{ session: [] }],
    paths: {
      '/api/login': {
        post: {
          summary: 'Log in as the admin',
          security: [],
          requestBody: body(obj({ username: str, password: str }, ['username', 'password'])),
          responses: { '200': json(obj({ username: str }), 'Logged in; Set-Cookie carries the session'), '401': json(ref('Error')), '429': json(ref('Error'), 'Too many failed logins') },
        },
      },
      '/api/logout': { post: { summary: 'Log out', responses: { '204': { description: 'Logged out' } } } },
      '/api/session': {
        get: {
          summary: 'Who is logged in; password_fixed: the admin password is set by PICHAT_ADMIN_PASSWORD and cannot be changed here',
          responses: { '200': json(obj({ username: str, password_fixed: { type: 'boolean' } })), ...errors },
        },
      },
      '/api/password': {
        post: {
          summary: 'Change the admin password (ends every session)',
          requestBody: body(obj({ current_password: str, new_password: { type: 'string', minLength: 10 } })),
          responses: {
            '204': { description: 'Changed' },
            ...errors,
            '403': json(ref('Error'), 'The current password is wrong, PICHAT_ADMIN_PASSWORD sets the password, or a cross-origin request'),
          },
        },
      },
      '/api/conversations': {
        get: {
          summary: 'Conversations, newest activity first',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: CONVERSATION_PAGE.max, default: CONVERSATION_PAGE.default } },
            { name: 'before', in: 'query', schema: str, description: 'next_before of the previous page' },
          ],
          responses: { '200': json(obj({ conversations: { type: 'array', items: ref('Conversation') }, next_before: { type: ['string', 'null'] } })), ...errors },
        },
        post: { summary: 'Create a conversation', requestBody: body(obj({ title: str })), responses: { '201': json(obj({ conversation: ref('Conversation') })), ...errors } },
      },
      '/api/conversations/{id}': {
        parameters: [idParam],
        get: { summary: 'A conversation with its messages', responses: { '200': json(obj({ conversation: ref('Conversation'), messages: { type: 'array', items: ref('Message') } })), '404': json(ref('Error')), ...errors } },
        patch: { summary: 'Rename', requestBody: body(obj({ title: str }, ['title'])), responses: { '200': json(obj({ conversation: ref('Conversation') })), '404': json(ref('Error')), ...errors } },
        delete: { summary: 'Delete with its messages', responses: { '204': { description: 'Deleted' }, '404': json(ref('Error')), ...errors } },
      },
      '/api/conversations/{id}/messages': {
        parameters: [idParam],
        get: {
          summary: 'Messages, oldest first',
          parameters: [
            { name: 'after_id', in: 'query', schema: int, description: 'the first `limit` messages after this one' },
            { name: 'before_id', in: 'query', schema: int, description: 'the last `limit` messages before this one' },
            { name: 'limit', in: 'query', schema: int },
          ],
          responses: { '200': json(obj({ messages: { type: 'array', items: ref('Message') } })), '404': json(ref('Error')), ...errors },
        },
        post: {
          summary: 'Send a text message; answers when the reply is complete (the chat socket streams it)',
          requestBody: body(obj({ content: { type: 'string', maxLength: 8000 } }, ['content'])),
          responses: { '200': json(obj({ conversation_id: str, turn_id: str, outcome: str, messages: { type: 'array', items: ref('Message') } })), '404': json(ref('Error')), ...errors },
        },
      },
      '/api/conversations/{id}/export': {
        parameters: [idParam, { name: 'format', in: 'query', schema: { enum: ['markdown', 'json'], default: 'markdown' } }],
        get: { summary: 'Download as Markdown or JSON', responses: { '200': { description: 'The file', content: { 'text/markdown': {}, 'application/json': {} } }, '404': json(ref('Error')), ...errors } },
      },
      '/api/search': {
        get: {
          summary: 'Full-text search over messages, newest first',
          parameters: [{ name: 'q', in: 'query', required: true, schema: str }, { name: 'limit', in: 'query', schema: int }],
          responses: { '200': json(obj({ query: str, results: { type: 'array', items: ref('SearchHit') } })), ...errors },
        },
      },
      '/api/settings': {
        get: { summary: 'Settings', responses: { '200': json(obj({ settings: ref('Settings') })), ...errors } },
        patch: { summary: 'Change settings (any subset)', requestBody: body(ref('Settings')), responses: { '200': json(obj({ settings: ref('Settings') })), ...errors } },
      },
      '/api/devices': {
        get: { summary: 'Devices with online state', responses: { '200': json(obj({ devices: { type: 'array', items: ref('Device') } })), ...errors } },
        post: { summary: 'Add a device: its token is in this answer only', requestBody: body(obj({ name: str }, ['name'])), responses: { '201': json(obj({ device: ref('Device'), token: str })), ...errors } },
      },
      '/api/devices/{id}': {
        parameters: [idParam],
        patch: { summary: 'Rename or set the volume (0..100)', requestBody: body(obj({ name: str, volume: int })), responses: { '200': json(obj({ device: ref('Device') })), '404': json(ref('Error')), ...errors } },
        delete: { summary: 'Revoke: the token stops working and the device is disconnected', responses: { '204': { description: 'Revoked' }, '404': json(ref('Error')), ...errors } },
      },
      '/api/tts': { post: { summary: 'Speak text; voice_gender (female, male) and voice_accent (a locale or an accent such as polish) choose the offline voice', requestBody: body(obj({ text: str, voice_gender: str, voice_accent: str }, ['text'])), responses: { '200': { description: 'WAV audio', content: { 'audio/wav': {} } }, ...errors } } },
      '/api/stt': {
        post: { summary: 'Recognise a WAV (16 kHz mono 16-bit)', requestBody: { required: true, content: { 'audio/wav': {} } }, responses: { '200': json(obj({ text: str, rejected: { type: 'boolean' } })), ...errors } },
      },
      '/model-info': { get: { summary: 'Active providers and models, with reachability', responses: { '200': json({ type: 'object' }), ...errors } } },
      '/health': { get: { summary: 'Liveness and counters (no login needed)', security: [], responses: { '200': json({ type: 'object' }) } } },
    },
  };
}
