/** REST calls to the PiChat server (same origin, session cookie). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, String(data.error ?? 'error'), String(data.message ?? res.statusText));
  return data as T;
}

export interface Conversation {
  id: string;
  title: string;
  created_at: string;
  last_message_at: string;
  device_id: string | null;
  message_count: number;
}

export interface Message {
  id: number;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  source: 'device' | 'web';
  device_id: string | null;
  created_at: string;
  interrupted: boolean;
  turn_id: string | null;
  timings: Record<string, number> | null;
  handler: string | null;
  outcome: string | null;
}

export interface Device {
  id: string;
  name: string;
  created_at: string;
  last_seen_at: string | null;
  online: boolean;
  volume: number | null;
}

export interface Settings {
  selected_model: string;
  system_prompt: string;
  voice_settings: { gender: string; accent: string };
  language: string;
}
