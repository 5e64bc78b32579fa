import type { Conversation, Message, SearchHit, Settings } from '../store/store.js';
import type { DeviceRecord } from '../devices/registry.js';

/**
 * The JSON shapes browsers see, on the chat socket and in REST alike: snake_case as in the web chat protocol
 * (seed 002: `last_message_at`). Pure mapping, no I/O.
 */
export function conversationWire(c: Conversation): Record<string, unknown> {
  return {
    id: c.id,
    title: c.title,
    created_at: c.createdAt,
    last_message_at: c.lastMessageAt,
    device_id: c.deviceId ?? null,
    message_count: c.messageCount,
  };
}

export function messageWire(m: Message): Record<string, unknown> {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    role: m.role,
    content: m.text,
    source: m.source,
    device_id: m.deviceId ?? null,
    created_at: m.createdAt,
    interrupted: m.interrupted,
    turn_id: m.turnId ?? null,
    timings: m.timings ?? null,
    handler: m.handler ?? null,
    outcome: m.outcome ?? null,
    cost: m.cost ?? null,
  };
}

export function searchHitWire(h: SearchHit): Record<string, unknown> {
  return { message: messageWire(h.message), conversation_title: h.conversationTitle, snippet: h.snippet };
}

/** Settings as browsers see them; `realtime` (read-only) says whether realtime mode can run and, if not, why. */
export function settingsWire(s: Settings, realtime?: { available: boolean; reason: string | null; model: string; voice: string }): Record<string, unknown> {
  return {
    ...s,
    voice_settings: { ...s.voice_settings },
    device_voice_modes: { ...s.device_voice_modes },
    ...(realtime ? { realtime: { available: realtime.available, reason: realtime.reason, model: realtime.model, voice: realtime.voice } } : {}),
  };
}

export function deviceWire(d: DeviceRecord, online: boolean): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    created_at: d.createdAt,
    last_seen_at: d.lastSeenAt ?? null,
    online,
    volume: d.volume ?? null,
  };
}
