import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@pichat/shared';

/** What the device remembers across restarts. */
export interface PersistedState {
  /** Software volume, 0..100, as last set by voice. */
  volume?: number;
}

/**
 * A small JSON file in the state directory (`/var/lib/pichat-device/state.json`; systemd's `StateDirectory=`
 * creates it for the service user). Writes go to a temporary file renamed over the old one, so a power cut leaves
 * the old or the new state, never half of one. A directory that cannot be written is logged once and the device
 * carries on with the state in memory; an unreadable or corrupt file reads as empty.
 */
export class StateFile {
  readonly path: string;
  private warned = false;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {
    this.path = join(dir, 'state.json');
  }

  load(): PersistedState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return {};
    }
    try {
      const raw = JSON.parse(text) as unknown;
      if (typeof raw !== 'object' || raw === null) return {};
      const volume = (raw as { volume?: unknown }).volume;
      return typeof volume === 'number' && Number.isInteger(volume) && volume >= 0 && volume <= 100 ? { volume } : {};
    } catch {
      this.log.warn('state file is corrupt, ignoring it', { path: this.path });
      return {};
    }
  }

  save(state: PersistedState): boolean {
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o644 });
      renameSync(tmp, this.path);
      return true;
    } catch (error) {
      if (!this.warned) {
        this.warned = true;
        this.log.warn('cannot save the device state: settings will not survive a restart (check PICHAT_STATE_DIR)', {
          dir: this.dir,
          error,
        });
      }
      return false;
    }
  }
}
