import type { Timings } from '@pichat/shared';
import type { DeviceRecord, DeviceRegistry } from '../devices/registry.js';

/**
 * What the server keeps: conversations, their messages, settings, devices, the admin credential and login sessions.
 * The interface is asynchronous so that a networked store (PostgreSQL for a fleet, see ARCHITECTURE.md "Scale") can
 * implement it without changing callers; the SQLite store answers synchronously underneath. Device authentication
 * stays synchronous (`DeviceRegistry`), because it runs inside the HTTP upgrade: a networked store keeps devices
 * cached in memory.
 */
export interface Store {
  readonly devices: DeviceStore;

  listConversations(options?: { limit?: number; before?: string; deviceId?: string }): Promise<Conversation[]>;
  getConversation(id: string): Promise<Conversation | undefined>;
  createConversation(input: { title?: string; deviceId?: string; at?: Date }): Promise<Conversation>;
  /** Renames; undefined when there is no such conversation. */
  renameConversation(id: string, title: string): Promise<Conversation | undefined>;
  /** Deletes a conversation and its messages; false when there was none. */
  deleteConversation(id: string): Promise<boolean>;

  /**
   * Messages of a conversation, oldest first: the last `limit` (MESSAGE_PAGE); with `afterId`, the first `limit` after
   * that message; with `beforeId`, the last `limit` before it (the page above one already shown).
   */
  listMessages(conversationId: string, options?: { limit?: number; afterId?: number; beforeId?: number }): Promise<Message[]>;
  /** Appends a message and moves the conversation's last-message time; undefined when the conversation is gone. */
  addMessage(input: NewMessage): Promise<Message | undefined>;
  /** Changes a message's text/interrupted flag/timings (e.g. to keep only what was heard); undefined when gone. */
  updateMessage(id: number, patch: MessagePatch): Promise<Message | undefined>;

  /** Full-text search over message text (SQLite FTS5), newest first. */
  search(query: string, options?: { limit?: number }): Promise<SearchHit[]>;

  /** Records priced usage (a realtime response or transcription). */
  addUsage(record: NewUsage): Promise<void>;
  /** Sums of recorded usage: everything, or one conversation's, or one device's. */
  usageTotals(filter?: { conversationId?: string; deviceId?: string }): Promise<UsageTotals>;
  /** Sums per device (devices with any usage). */
  usageByDevice(): Promise<(UsageTotals & { deviceId: string })[]>;

  getSettings(): Promise<Settings>;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;

  getAdmin(): Promise<AdminRecord | undefined>;
  setAdmin(record: AdminRecord): Promise<void>;
  createSession(session: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** Deletes every session of `username` (after a password change). */
  deleteSessionsOf(username: string): Promise<void>;

  close(): void;
}

/** Devices table: the device registry plus what the web UI manages. */
export interface DeviceStore extends DeviceRegistry {
  get(id: string): DeviceRecord | undefined;
  rename(id: string, name: string): DeviceRecord | undefined;
  setVolume(id: string, volume: number): DeviceRecord | undefined;
  /** Revokes a device: its token stops working at once. False when there was none. */
  revoke(id: string): boolean;
}

/** Conversations one page holds when the caller names no size, and at most. */
export const CONVERSATION_PAGE = { default: 50, max: 500 } as const;

/** Messages per page of a conversation (`listMessages`): by default, and at most. */
export const MESSAGE_PAGE = { default: 500, max: 5000 } as const;

/** The paging cursor after `c` (newest activity first): what `listConversations({before})` takes to go on. */
export function conversationCursor(c: Pick<Conversation, 'id' | 'lastMessageAt'>): string {
  return `${Date.parse(c.lastMessageAt)}:${c.id}`;
}

/** A cursor made by `conversationCursor` as [milliseconds, id]; undefined when it is not one. */
export function parseConversationCursor(cursor: string): [number, string] | undefined {
  const match = /^(\d{1,15}):(.{1,64})$/.exec(cursor);
  return match ? [Number(match[1]), match[2]!] : undefined;
}

export interface Conversation {
  id: string;
  title: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: time of the newest message, or of creation. */
  lastMessageAt: string;
  /** The device whose voice turns this conversation holds, if it started on one. */
  deviceId?: string;
  messageCount: number;
}

export type MessageRole = 'user' | 'assistant';
export type MessageSource = 'device' | 'web';

export interface Message {
  id: number;
  conversationId: string;
  role: MessageRole;
  text: string;
  source: MessageSource;
  deviceId?: string;
  /** ISO 8601. */
  createdAt: string;
  /** The reply was cut short: `text` is only the part that was heard. */
  interrupted: boolean;
  /** The turn this message belongs to (device or browser push-to-talk, or a text exchange). */
  turnId?: string;
  /** Stage timestamps of the turn, ms since it started (on the assistant message). */
  timings?: Timings;
  /** Who answered: a skill name, "llm" or "fallback" (assistant messages). */
  handler?: string;
  /** How the turn ended (answered, no_speech, cancelled, superseded, failed). */
  outcome?: string;
  /** What the turn's provider calls cost, in the configured currency (realtime turns; assistant messages). */
  cost?: number;
}

export interface NewMessage {
  conversationId: string;
  role: MessageRole;
  text: string;
  source: MessageSource;
  deviceId?: string;
  at?: Date;
  interrupted?: boolean;
  turnId?: string;
  timings?: Timings;
  handler?: string;
  outcome?: string;
  cost?: number;
}

export interface MessagePatch {
  cost?: number;
  text?: string;
  interrupted?: boolean;
  timings?: Timings;
  handler?: string;
  outcome?: string;
}

export interface NewUsage {
  at?: Date;
  conversationId?: string;
  deviceId?: string;
  turnId?: string;
  /** The realtime session (or other grouping) the usage belongs to. */
  sessionId?: string;
  provider: string;
  model: string;
  /** Counts by price class (e.g. `{textIn: 120, audioOut: 800}`). */
  details: Record<string, number>;
  cost: number;
  currency: string;
}

export interface UsageTotals {
  cost: number;
  currency: string;
  records: number;
}

export interface SearchHit {
  message: Message;
  conversationTitle: string;
  /** The matching text with matches between \u0002 and \u0003 markers (the UI highlights them as text, never HTML). */
  snippet: string;
}

/** What the web UI's settings page edits. The providers read them through the app's onSettingsChanged hook. */
export interface Settings {
  /** LLM model or deployment to use ('' = the configured default). */
  selected_model: string;
  /** Instructions for the LLM ('' = the built-in prompt). */
  system_prompt: string;
  voice_settings: { gender: 'female' | 'male' | ''; accent: string };
  /** BCP 47 language of speech and replies, e.g. en-US, pl-PL ('' = configured default). */
  language: string;
  /** How voice turns are answered: STT → brain → TTS, or a realtime speech-to-speech model ('' = PICHAT_VOICE_MODE). */
  voice_mode: 'pipeline' | 'realtime' | '';
  /** Per-device override of `voice_mode`, by device id. */
  device_voice_modes: Record<string, 'pipeline' | 'realtime'>;
  /** Realtime model (OpenAI) or deployment (Azure) ('' = PICHAT_REALTIME_MODEL / AZURE_OPENAI_REALTIME_DEPLOYMENT). */
  realtime_model: string;
  /** Realtime voice, e.g. alloy, marin ('' = PICHAT_REALTIME_VOICE). */
  realtime_voice: string;
  /** Realtime instructions ('' = system_prompt, else PICHAT_REALTIME_INSTRUCTIONS, else the built-in ones). */
  realtime_instructions: string;
}

export const DEFAULT_SETTINGS: Settings = {
  selected_model: '',
  system_prompt: '',
  voice_settings: { gender: '', accent: '' },
  language: '',
  voice_mode: '',
  device_voice_modes: {},
  realtime_model: '',
  realtime_voice: '',
  realtime_instructions: '',
};

export interface AdminRecord {
  username: string;
  /** scrypt$N$r$p$salt$hash, base64url parts (see auth/password.ts). */
  passwordHash: string;
  createdAt: string;
}

export interface SessionRecord {
  /** SHA-256 of the cookie value: a stolen database does not yield working cookies. */
  idHash: string;
  username: string;
  createdAt: string;
  expiresAt: string;
}
