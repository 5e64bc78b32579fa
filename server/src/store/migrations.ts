import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations, applied in order inside one transaction each; the version reached is kept in
 * `PRAGMA user_version`. Never edit a released migration: add the next one. Times are integer milliseconds since the
 * Unix epoch (UTC); JSON columns hold JSON text.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'conversations, messages, settings, devices',
    up: (db) =>
      db.exec(`
        CREATE TABLE conversations (
          id              TEXT PRIMARY KEY,
          title           TEXT NOT NULL,
          created_at      INTEGER NOT NULL,
          last_message_at INTEGER NOT NULL,
          device_id       TEXT,
          message_count   INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX conversations_by_last ON conversations (last_message_at DESC, id);
        CREATE INDEX conversations_by_device ON conversations (device_id, last_message_at DESC) WHERE device_id IS NOT NULL;

        CREATE TABLE messages (
          id              INTEGER PRIMARY KEY AUTOINCREMENT,
          conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
          role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          text            TEXT NOT NULL,
          source          TEXT NOT NULL CHECK (source IN ('device', 'web')),
          device_id       TEXT,
          created_at      INTEGER NOT NULL,
          interrupted     INTEGER NOT NULL DEFAULT 0,
          turn_id         TEXT,
          timings         TEXT,
          handler         TEXT,
          outcome         TEXT
        );
        CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

        CREATE TABLE settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );

        CREATE TABLE devices (
          id           TEXT PRIMARY KEY,
          name         TEXT NOT NULL,
          token_hash   TEXT NOT NULL UNIQUE,
          created_at   INTEGER NOT NULL,
          last_seen_at INTEGER,
          volume       INTEGER
        );
      `),
  },
  {
    version: 2,
    name: 'full-text search over messages (FTS5)',
    up: (db) =>
      db.exec(`
        CREATE VIRTUAL TABLE messages_fts USING fts5 (
          text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
          INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
          INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
      `),
  },
  {
    version: 3,
    name: 'admin credential and login sessions',
    up: (db) =>
      db.exec(`
        CREATE TABLE admins (
          username      TEXT PRIMARY KEY,
          password_hash TEXT NOT NULL,
          created_at    INTEGER NOT NULL
        );
        CREATE TABLE sessions (
          id_hash    TEXT PRIMARY KEY,
          username   TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        );
        CREATE INDEX sessions_by_expiry ON sessions (expires_at);
      `),
  },
  {
    version: 4,
    name: 'usage and cost (realtime mode)',
    up: (db) =>
      db.exec(`
        ALTER TABLE messages ADD COLUMN cost REAL;
        CREATE TABLE usage (
          id              INTEGER PRIMARY KEY AUTOINCREMENT,
          created_at      INTEGER NOT NULL,
          conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
          device_id       TEXT,
          turn_id         TEXT,
          session_id      TEXT,
          provider        TEXT NOT NULL,
          model           TEXT NOT NULL,
          details         TEXT NOT NULL,
          cost            REAL NOT NULL,
          currency        TEXT NOT NULL
        );
        CREATE INDEX usage_by_conversation ON usage (conversation_id) WHERE conversation_id IS NOT NULL;
        CREATE INDEX usage_by_device ON usage (device_id) WHERE device_id IS NOT NULL;
      `),
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings `db` to `target` (default: the newest). Refuses a database newer than this code knows (a downgrade would
 * silently lose data). Returns the versions applied.
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > newest) {
    throw new Error(`database schema version ${current} is newer than this server knows (${newest}); upgrade PiChat`);
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
