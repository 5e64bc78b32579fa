import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.js';
import { openStore, SqliteStore } from './sqlite.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const writer = join(root, 'test/support/store-writer.mjs');

describe('store: migrations', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pichat-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the newest schema from an empty file, in WAL mode', () => {
    const store = openStore(dir);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['conversations', 'messages', 'messages_fts', 'settings', 'devices', 'admins', 'sessions']));
    store.close();
  });

  it('upgrades a database of every previous version and keeps (and indexes) its data', async () => {
    for (let from = 1; from < SCHEMA_VERSION; from++) {
      const path = join(dir, `v${from}.db`);
      const old = new Database(path);
      migrate(old, from);
      old.prepare("INSERT INTO conversations (id, title, created_at, last_message_at, message_count) VALUES ('c1', 'Old', 1, 2, 1)").run();
      old.prepare("INSERT INTO messages (conversation_id, role, text, source, created_at) VALUES ('c1', 'user', 'an old zebra', 'device', 2)").run();
      old.prepare("INSERT INTO devices (id, name, token_hash, created_at) VALUES ('d1', 'pi', 'ab', 1)").run();
      old.close();
      const store = new SqliteStore(path);
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect((await store.listConversations())[0]).toMatchObject({ id: 'c1', title: 'Old' });
      expect((await store.search('zebra')).map((h) => h.message.text)).toEqual(['an old zebra']);
      expect(store.devices.list()[0]).toMatchObject({ id: 'd1', name: 'pi' });
      store.close();
    }
  });

  it('refuses a database newer than the code', () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteStore(path)).toThrow(/newer/);
  });

  it('imports the JSON device registry of the first release once', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'devices.json'), JSON.stringify({ devices: [{ id: 'dev_1', name: 'kitchen', tokenHash: 'a'.repeat(64), createdAt: '2025-01-01T00:00:00.000Z' }] }));
    const store = openStore(dir);
    expect(store.devices.list()).toMatchObject([{ id: 'dev_1', name: 'kitchen' }]);
    expect(existsSync(join(dir, 'devices.json.imported'))).toBe(true);
    store.close();
  });

  it('has one migration per version, in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});

describe('store: concurrent writers and crashes', () => {
  let dir: string;
  let conversationId: string;

  beforeAll(() => {
    // The child processes run the compiled store.
    if (!existsSync(join(root, 'server/dist/store/sqlite.js'))) {
      try {
        execFileSync('npx', ['tsc', '-b', 'server'], { cwd: root, stdio: 'ignore' });
      } catch {
        // type errors elsewhere still emit
      }
    }
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pichat-store-'));
    const store = openStore(dir);
    conversationId = (await store.createConversation({ title: 'stress' })).id;
    store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (count: number, tag: string) => spawn(process.execPath, [writer, dir, conversationId, String(count), tag], { stdio: ['ignore', 'pipe', 'inherit'] });

  it('three processes writing at once lose nothing and keep counts consistent', async () => {
    const children = [run(200, 'a'), run(200, 'b'), run(200, 'c')];
    const store = new SqliteStore(join(dir, 'pichat.db'));
    // This process writes too, while they do.
    for (let i = 0; i < 100; i++) await store.addMessage({ conversationId, role: 'assistant', text: `main ${i}`, source: 'web' });
    const codes = await Promise.all(children.map((c) => new Promise<number | null>((r) => c.once('exit', r))));
    expect(codes).toEqual([0, 0, 0]);
    const messages = await store.listMessages(conversationId, { limit: 5000 });
    expect(messages).toHaveLength(700);
    expect((await store.getConversation(conversationId))!.messageCount).toBe(700);
    expect(await store.search('main')).toHaveLength(50);
    store.close();
  });

  it('a writer killed with SIGKILL mid-stream loses nothing it acknowledged', async () => {
    const child = run(100_000, 'k');
    const acked: number[] = [];
    await new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        acked.push(Number(line));
        if (acked.length === 300) child.kill('SIGKILL');
      });
      child.once('exit', () => resolve());
    });
    expect(child.signalCode).toBe('SIGKILL');
    const store = new SqliteStore(join(dir, 'pichat.db'));
    const ids = new Set((await store.listMessages(conversationId, { limit: 5000 })).map((m) => m.id));
    for (const id of acked) expect(ids.has(id)).toBe(true);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((await store.getConversation(conversationId))!.messageCount).toBe(ids.size);
    store.close();
  });
});
