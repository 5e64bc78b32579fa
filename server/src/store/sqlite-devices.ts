import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { hashToken, newToken, type DeviceRecord } from '../devices/registry.js';
import type { DeviceStore } from './store.js';

interface DeviceRow {
  id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number | null;
  volume: number | null;
}

/**
 * The devices table as a device registry. Tokens are never stored, only their SHA-256. Every call reads the table
 * (a household has a handful of devices: microseconds, from SQLite's page cache), so that `add-device` run from the
 * command line while the server runs takes effect at once, and a revoked token stops working at once.
 */
export class SqliteDeviceStore implements DeviceStore {
  constructor(private readonly db: Database.Database) {}

  private get rows(): DeviceRow[] {
    return this.db.prepare('SELECT * FROM devices ORDER BY created_at, id').all() as DeviceRow[];
  }

  authenticate(token: string): DeviceRecord | undefined {
    const wanted = Buffer.from(hashToken(token), 'hex');
    let found: DeviceRow | undefined;
    for (const d of this.rows) {
      // Compare every row so that timing does not tell which one matched.
      if (timingSafeEqual(Buffer.from(d.token_hash, 'hex'), wanted)) found = d;
    }
    return found && toRecord(found);
  }

  create(name: string): { device: DeviceRecord; token: string } {
    const token = newToken();
    return { device: this.add(name, token), token };
  }

  /** Adds a device with a known token (operator-provided PICHAT_DEVICE_TOKEN, a test's, an imported registry). */
  add(name: string, token: string): DeviceRecord {
    return this.insert({ id: `dev_${randomBytes(6).toString('hex')}`, name, token_hash: hashToken(token), created_at: Date.now(), last_seen_at: null, volume: null });
  }

  /** Adds a device record as it is (import from the old JSON registry); skips a token hash already present. */
  import(record: DeviceRecord): void {
    if (this.rows.some((d) => d.token_hash === record.tokenHash || d.id === record.id)) return;
    this.insert({
      id: record.id,
      name: record.name,
      token_hash: record.tokenHash,
      created_at: Date.parse(record.createdAt) || Date.now(),
      last_seen_at: record.lastSeenAt ? Date.parse(record.lastSeenAt) : null,
      volume: record.volume ?? null,
    });
  }

  list(): DeviceRecord[] {
    return this.rows.map(toRecord);
  }

  get(id: string): DeviceRecord | undefined {
    const row = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
    return row && toRecord(row);
  }

  touch(id: string, at: Date): void {
    this.db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?').run(at.getTime(), id);
  }

  rename(id: string, name: string): DeviceRecord | undefined {
    this.db.prepare('UPDATE devices SET name = ? WHERE id = ?').run(name, id);
    return this.get(id);
  }

  setVolume(id: string, volume: number): DeviceRecord | undefined {
    this.db.prepare('UPDATE devices SET volume = ? WHERE id = ?').run(volume, id);
    return this.get(id);
  }

  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM devices WHERE id = ?').run(id).changes > 0;
  }

  private insert(row: DeviceRow): DeviceRecord {
    this.db
      .prepare('INSERT INTO devices (id, name, token_hash, created_at, last_seen_at, volume) VALUES (@id, @name, @token_hash, @created_at, @last_seen_at, @volume)')
      .run(row);
    return toRecord(row);
  }
}

function toRecord(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.last_seen_at !== null ? { lastSeenAt: new Date(row.last_seen_at).toISOString() } : {}),
    ...(row.volume !== null ? { volume: row.volume } : {}),
  };
}
