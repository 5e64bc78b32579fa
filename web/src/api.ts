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
  /** What the turn's provider calls cost (realtime turns), in the server's currency. */
  cost: number | null;
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
  /** How voice turns (and web chat messages) are answered; '' = the server's PICHAT_VOICE_MODE. */
  voice_mode: 'pipeline' | 'realtime' | '';
  realtime_model: string;
  realtime_voice: string;
  realtime_instructions: string;
  /** Read-only: whether realtime mode can run here and, if not, why. Absent when the server has no realtime mode. */
  realtime?: { available: boolean; reason: string | null; model: string; voice: string };
}

/** `get_costs` answer: recorded realtime usage, everything, per device and (asked) one conversation. */
export interface Costs {
  total: { cost: number; currency: string; records: number };
  devices: { device_id: string; cost: number; currency: string; records: number }[];
  conversation?: { id: string; cost: number; currency: string; records: number };
}
