import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DeviceRecord } from '../devices/registry.js';
import { ftsQuery } from './fts-query.js';
import { migrate } from './migrations.js';
import { SqliteDeviceStore } from './sqlite-devices.js';
import {
  CONVERSATION_PAGE,
  MESSAGE_PAGE,
  parseConversationCursor,
  DEFAULT_SETTINGS,
  type AdminRecord,
  type Conversation,
  type Message,
  type MessagePatch,
  type NewMessage,
  type NewUsage,
  type UsageTotals,
  type SearchHit,
  type SessionRecord,
  type Settings,
  type Store,
} from './store.js';

interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  last_message_at: number;
  device_id: string | null;
  message_count: number;
}

interface MessageRow {
  id: number;
  conversation_id: string;
  role: 'user' | 'assistant';
  text: string;
  source: 'device' | 'web';
  device_id: string | null;
  created_at: number;
  interrupted: number;
  turn_id: string | null;
  timings: string | null;
  handler: string | null;
  outcome: string | null;
  cost: number | null;
}

/** Longest conversation title kept, characters. */
export const MAX_TITLE_CHARS = 200;

/**
 * Opens (creating when needed) `<dataDir>/pichat.db`, migrates it, and imports the device registry of the first
 * release (`devices.json`, renamed to `devices.json.imported` afterwards). What main.ts calls.
 */
export function openStore(dataDir: string): SqliteStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = new SqliteStore(join(dataDir, 'pichat.db'));
  const legacy = join(dataDir, 'devices.json');
  if (existsSync(legacy)) {
    const parsed = JSON.parse(readFileSync(legacy, 'utf8')) as { devices?: DeviceRecord[] };
    for (const d of parsed.devices ?? []) store.devices.import(d);
    renameSync(legacy, `${legacy}.imported`);
  }
  return store;
}

/**
 * The store in one SQLite file (better-sqlite3): WAL journal so that readers never wait for the writer,
 * `synchronous = FULL` so that a committed write survives a power cut too (a Pi is unplugged, not shut down; a turn
 * writes two or three rows, so the cost is small), foreign keys on, a 5 s busy timeout for a second process.
 * Every method returns once the write is committed.
 */
export class SqliteStore implements Store {
  readonly db: Database.Database;
  readonly devices: SqliteDeviceStore;
  private readonly stmts;

  constructor(path: string, options: { readonly?: boolean } = {}) {
    this.db = new Database(path, { readonly: options.readonly ?? false, timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(this.db);
    this.devices = new SqliteDeviceStore(this.db);
    const db = this.db;
    this.stmts = {
      listConversations: db.prepare(
        'SELECT * FROM conversations WHERE (last_message_at, id) < (?, ?) ORDER BY last_message_at DESC, id DESC LIMIT ?',
      ),
      listDeviceConversations: db.prepare(
        'SELECT * FROM conversations WHERE device_id = ? ORDER BY last_message_at DESC, id DESC LIMIT ?',
      ),
      getConversation: db.prepare('SELECT * FROM conversations WHERE id = ?'),
      insertConversation: db.prepare(
        'INSERT INTO conversations (id, title, created_at, last_message_at, device_id) VALUES (?, ?, ?, ?, ?)',
      ),
      renameConversation: db.prepare('UPDATE conversations SET title = ? WHERE id = ?'),
      deleteConversation: db.prepare('DELETE FROM conversations WHERE id = ?'),
      lastMessages: db.prepare('SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id'),
      messagesAfter: db.prepare('SELECT * FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?'),
      messagesBefore: db.prepare('SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?) ORDER BY id'),
      getMessage: db.prepare('SELECT * FROM messages WHERE id = ?'),
      insertMessage: db.prepare(
        `INSERT INTO messages (conversation_id, role, text, source, device_id, created_at, interrupted, turn_id, timings, handler, outcome, cost)
         VALUES (@conversation_id, @role, @text, @source, @device_id, @created_at, @interrupted, @turn_id, @timings, @handler, @outcome, @cost)`,
      ),
      bumpConversation: db.prepare(
        'UPDATE conversations SET last_message_at = max(last_message_at, ?), message_count = message_count + 1 WHERE id = ?',
      ),
      search: db.prepare(
        `SELECT m.*, c.title AS conversation_title, snippet(messages_fts, 0, char(2), char(3), '…', 16) AS snippet
         FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
         WHERE messages_fts MATCH ? ORDER BY messages_fts.rowid DESC LIMIT ?`,
      ),
      settings: db.prepare('SELECT key, value FROM settings'),
      putSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      getAdmin: db.prepare('SELECT * FROM admins ORDER BY created_at LIMIT 1'),
      putAdmin: db.prepare(
        'INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash',
      ),
      insertSession: db.prepare('INSERT INTO sessions (id_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      getSession: db.prepare('SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?'),
      deleteSession: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
      deleteSessionsOf: db.prepare('DELETE FROM sessions WHERE username = ?'),
      deleteExpiredSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
      insertUsage: db.prepare(
        `INSERT INTO usage (created_at, conversation_id, device_id, turn_id, session_id, provider, model, details, cost, currency)
         VALUES (?, (SELECT id FROM conversations WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      usageByDevice: db.prepare(
        'SELECT device_id, COALESCE(SUM(cost), 0) AS cost, MAX(currency) AS currency, COUNT(*) AS records FROM usage WHERE device_id IS NOT NULL GROUP BY device_id ORDER BY device_id',
      ),
    };
    this.stmts.deleteExpiredSessions.run(Date.now());
  }

  listConversations(options: { limit?: number; before?: string; deviceId?: string } = {}): Promise<Conversation[]> {
    const limit = clampLimit(options.limit, CONVERSATION_PAGE.default, CONVERSATION_PAGE.max);
    if (options.deviceId !== undefined) {
      return Promise.resolve((this.stmts.listDeviceConversations.all(options.deviceId, limit) as ConversationRow[]).map(toConversation));
    }
    const [beforeMs, beforeId] = parseConversationCursor(options.before ?? '') ?? [Number.MAX_SAFE_INTEGER, ''];
    return Promise.resolve((this.stmts.listConversations.all(beforeMs, beforeId, limit) as ConversationRow[]).map(toConversation));
  }

  getConversation(id: string): Promise<Conversation | undefined> {
    const row = this.stmts.getConversation.get(id) as ConversationRow | undefined;
    return Promise.resolve(row && toConversation(row));
  }

  createConversation(input: { title?: string; deviceId?: string; at?: Date }): Promise<Conversation> {
    const at = (input.at ?? new Date()).getTime();
    const id = randomUUID();
    const title = (input.title ?? '').trim().slice(0, MAX_TITLE_CHARS) || 'New conversation';
    this.stmts.insertConversation.run(id, title, at, at, input.deviceId ?? null);
    return Promise.resolve(toConversation(this.stmts.getConversation.get(id) as ConversationRow));
  }

  renameConversation(id: string, title: string): Promise<Conversation | undefined> {
    this.stmts.renameConversation.run(title.trim().slice(0, MAX_TITLE_CHARS), id);
    return this.getConversation(id);
  }

  deleteConversation(id: string): Promise<boolean> {
    return Promise.resolve(this.stmts.deleteConversation.run(id).changes > 0);
  }

  listMessages(conversationId: string, options: { limit?: number; afterId?: number; beforeId?: number } = {}): Promise<Message[]> {
    const limit = clampLimit(options.limit, MESSAGE_PAGE.default, MESSAGE_PAGE.max);
    const rows =
      options.afterId !== undefined
        ? this.stmts.messagesAfter.all(conversationId, options.afterId, limit)
        : options.beforeId !== undefined
          ? this.stmts.messagesBefore.all(conversationId, options.beforeId, limit)
          : this.stmts.lastMessages.all(conversationId, limit);
    return Promise.resolve((rows as MessageRow[]).map(toMessage));
  }

  addMessage(input: NewMessage): Promise<Message | undefined> {
    const at = (input.at ?? new Date()).getTime();
    const insert = this.db.transaction((): number | undefined => {
      if (this.stmts.bumpConversation.run(at, input.conversationId).changes === 0) return undefined;
      return Number(
        this.stmts.insertMessage.run({
          conversation_id: input.conversationId,
          role: input.role,
          text: input.text,
          source: input.source,
          device_id: input.deviceId ?? null,
          created_at: at,
          interrupted: input.interrupted ? 1 : 0,
          turn_id: input.turnId ?? null,
          timings: input.timings ? JSON.stringify(input.timings) : null,
          handler: input.handler ?? null,
          outcome: input.outcome ?? null,
          cost: input.cost ?? null,
        }).lastInsertRowid,
      );
    });
    const id = insert.immediate();
    if (id === undefined) return Promise.resolve(undefined);
    return Promise.resolve(toMessage(this.stmts.getMessage.get(id) as MessageRow));
  }

  /** Many messages in one transaction (imports, benchmarks); conversations must exist. */
  addMessages(inputs: readonly NewMessage[]): void {
    this.db.transaction(() => {
      for (const m of inputs) void this.addMessage(m);
    })();
  }

  updateMessage(id: number, patch: MessagePatch): Promise<Message | undefined> {
    const sets: string[] = [];
    const values: Record<string, unknown> = { id };
    if (patch.text !== undefined) (sets.push('text = @text'), (values.text = patch.text));
    if (patch.interrupted !== undefined) (sets.push('interrupted = @interrupted'), (values.interrupted = patch.interrupted ? 1 : 0));
    if (patch.timings !== undefined) (sets.push('timings = @timings'), (values.timings = JSON.stringify(patch.timings)));
    if (patch.handler !== undefined) (sets.push('handler = @handler'), (values.handler = patch.handler));
    if (patch.outcome !== undefined) (sets.push('outcome = @outcome'), (values.outcome = patch.outcome));
    if (patch.cost !== undefined) (sets.push('cost = @cost'), (values.cost = patch.cost));
    if (sets.length > 0) this.db.prepare(`UPDATE messages SET ${sets.join(', ')} WHERE id = @id`).run(values);
    const row = this.stmts.getMessage.get(id) as MessageRow | undefined;
    return Promise.resolve(row && toMessage(row));
  }

  search(query: string, options: { limit?: number } = {}): Promise<SearchHit[]> {
    const match = ftsQuery(query);
    if (!match) return Promise.resolve([]);
    const rows = this.stmts.search.all(match, clampLimit(options.limit, 50, 200)) as (MessageRow & { conversation_title: string; snippet: string })[];
    return Promise.resolve(rows.map((r) => ({ message: toMessage(r), conversationTitle: r.conversation_title, snippet: r.snippet })));
  }

  addUsage(record: NewUsage): Promise<void> {
    this.stmts.insertUsage.run(
      (record.at ?? new Date()).getTime(),
      record.conversationId ?? null,
      record.deviceId ?? null,
      record.turnId ?? null,
      record.sessionId ?? null,
      record.provider,
      record.model,
      JSON.stringify(record.details),
      record.cost,
      record.currency,
    );
    return Promise.resolve();
  }

  usageTotals(filter: { conversationId?: string; deviceId?: string } = {}): Promise<UsageTotals> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.conversationId !== undefined) (where.push('conversation_id = ?'), args.push(filter.conversationId));
    if (filter.deviceId !== undefined) (where.push('device_id = ?'), args.push(filter.deviceId));
    const sql = `SELECT COALESCE(SUM(cost), 0) AS cost, MAX(currency) AS currency, COUNT(*) AS records FROM usage${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const row = this.db.prepare(sql).get(...args) as { cost: number; currency: string | null; records: number };
    return Promise.resolve({ cost: row.cost, currency: row.currency ?? 'USD', records: row.records });
  }

  usageByDevice(): Promise<(UsageTotals & { deviceId: string })[]> {
    const rows = this.stmts.usageByDevice.all() as { device_id: string; cost: number; currency: string | null; records: number }[];
    return Promise.resolve(rows.map((r) => ({ deviceId: r.device_id, cost: r.cost, currency: r.currency ?? 'USD', records: r.records })));
  }

  getSettings(): Promise<Settings> {
    const stored: Record<string, unknown> = {};
    for (const { key, value } of this.stmts.settings.all() as { key: string; value: string }[]) stored[key] = JSON.parse(value);
    return Promise.resolve({ ...DEFAULT_SETTINGS, ...stored } as Settings);
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined && key in DEFAULT_SETTINGS) this.stmts.putSetting.run(key, JSON.stringify(value));
      }
    })();
    return this.getSettings();
  }

  getAdmin(): Promise<AdminRecord | undefined> {
    const row = this.stmts.getAdmin.get() as { username: string; password_hash: string; created_at: number } | undefined;
    return Promise.resolve(row && { username: row.username, passwordHash: row.password_hash, createdAt: new Date(row.created_at).toISOString() });
  }

  setAdmin(record: AdminRecord): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM admins WHERE username <> ?').run(record.username);
      this.stmts.putAdmin.run(record.username, record.passwordHash, Date.parse(record.createdAt) || Date.now());
    })();
    return Promise.resolve();
  }

  createSession(session: SessionRecord): Promise<void> {
    this.stmts.insertSession.run(session.idHash, session.username, Date.parse(session.createdAt), Date.parse(session.expiresAt));
    return Promise.resolve();
  }

  getSession(idHash: string): Promise<SessionRecord | undefined> {
    const row = this.stmts.getSession.get(idHash, Date.now()) as { id_hash: string; username: string; created_at: number; expires_at: number } | undefined;
    return Promise.resolve(
      row && { idHash: row.id_hash, username: row.username, createdAt: new Date(row.created_at).toISOString(), expiresAt: new Date(row.expires_at).toISOString() },
    );
  }

  deleteSession(idHash: string): Promise<void> {
    this.stmts.deleteSession.run(idHash);
    return Promise.resolve();
  }

  deleteSessionsOf(username: string): Promise<void> {
    this.stmts.deleteSessionsOf.run(username);
    return Promise.resolve();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(max, Math.floor(limit)));
}

function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    title: row.title,
    createdAt: new Date(row.created_at).toISOString(),
    lastMessageAt: new Date(row.last_message_at).toISOString(),
    ...(row.device_id !== null ? { deviceId: row.device_id } : {}),
    messageCount: row.message_count,
  };
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role,
    text: row.text,
    source: row.source,
    ...(row.device_id !== null ? { deviceId: row.device_id } : {}),
    createdAt: new Date(row.created_at).toISOString(),
    interrupted: row.interrupted === 1,
    ...(row.turn_id !== null ? { turnId: row.turn_id } : {}),
    ...(row.timings !== null ? { timings: JSON.parse(row.timings) as Record<string, number> } : {}),
    ...(row.handler !== null ? { handler: row.handler } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome } : {}),
    ...(row.cost !== null && row.cost !== undefined ? { cost: row.cost } : {}),
  };
}
