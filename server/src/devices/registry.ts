import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A device allowed to connect. Its token is never stored, only a SHA-256 hash of it. */
export interface DeviceRecord {
  id: string;
  name: string;
  tokenHash: string;
  createdAt: string;
  lastSeenAt?: string;
  /** Last volume set from the web UI (0..100), applied when the device connects. */
  volume?: number;
}

/** Who may connect to /ws/device. The SQLite store of the history issue implements the same interface. */
export interface DeviceRegistry {
  /** The device a bearer token belongs to, or undefined. Constant-time in the token. */
  authenticate(token: string): DeviceRecord | undefined;
  /** Adds a device; returns it and its token, which is shown once and never stored. */
  create(name: string): { device: DeviceRecord; token: string };
  list(): DeviceRecord[];
  touch(id: string, at: Date): void;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return `pcd_${randomBytes(24).toString('base64url')}`;
}

/** A registry in memory, for tests and benchmarks. */
export class MemoryDeviceRegistry implements DeviceRegistry {
  private devices: DeviceRecord[] = [];

  authenticate(token: string): DeviceRecord | undefined {
    const wanted = Buffer.from(hashToken(token), 'hex');
    let found: DeviceRecord | undefined;
    for (const d of this.devices) {
      // Compare every record so that timing does not tell which prefix matched.
      if (timingSafeEqual(Buffer.from(d.tokenHash, 'hex'), wanted)) found = d;
    }
    return found;
  }

  create(name: string): { device: DeviceRecord; token: string } {
    const token = newToken();
    return { device: this.add(name, token), token };
  }

  /** Adds a device with a known token (operator-provided, or a test's). */
  add(name: string, token: string): DeviceRecord {
    const device: DeviceRecord = {
      id: `dev_${randomBytes(6).toString('hex')}`,
      name,
      tokenHash: hashToken(token),
      createdAt: new Date().toISOString(),
    };
    this.devices.push(device);
    return device;
  }

  list(): DeviceRecord[] {
    return this.devices.map((d) => ({ ...d }));
  }

  touch(id: string, at: Date): void {
    const d = this.devices.find((x) => x.id === id);
    if (d) d.lastSeenAt = at.toISOString();
  }

  get(id: string): DeviceRecord | undefined {
    const d = this.devices.find((x) => x.id === id);
    return d && { ...d };
  }

  rename(id: string, name: string): DeviceRecord | undefined {
    const d = this.devices.find((x) => x.id === id);
    if (!d) return undefined;
    d.name = name;
    return { ...d };
  }

  setVolume(id: string, volume: number): DeviceRecord | undefined {
    const d = this.devices.find((x) => x.id === id);
    if (!d) return undefined;
    d.volume = volume;
    return { ...d };
  }

  revoke(id: string): boolean {
    const before = this.devices.length;
    this.devices = this.devices.filter((x) => x.id !== id);
    return this.devices.length < before;
  }
}
