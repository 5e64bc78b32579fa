import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '@pichat/shared';
import { harness } from '../testing/daemon-harness.js';
import { StateFile } from './state-file.js';

describe('volume persisted across restarts', () => {
  it('a volume set by voice is saved and is the starting volume of the next run', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pichat-state-')), 'state'); // created on first save
    const first = new StateFile(dir, memoryLogger());
    expect(first.load()).toEqual({});
    const h = harness({ volume: 80, onVolume: (v) => first.save({ volume: v }) });
    h.link.goUp();
    h.link.serverSends({ type: 'control', volume: 35 });
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toEqual({ volume: 35 });

    const restarted = new StateFile(dir, memoryLogger()).load();
    const again = harness({ volume: restarted.volume ?? 80 });
    expect(again.daemon.volume).toBe(35);
  });

  it('a corrupt or out-of-range file reads as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pichat-state-'));
    const file = new StateFile(dir, memoryLogger());
    writeFileSync(file.path, '{"volume": 140}');
    expect(file.load()).toEqual({});
    writeFileSync(file.path, 'not json');
    expect(file.load()).toEqual({});
  });

  it('an unwritable directory is reported once and never throws', () => {
    const parent = mkdtempSync(join(tmpdir(), 'pichat-state-'));
    const dir = join(parent, 'ro');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    const log = memoryLogger();
    const file = new StateFile(join(dir, 'sub'), log);
    const isRoot = process.getuid?.() === 0; // root writes anywhere: then point at a file instead of a directory
    const target = isRoot ? new StateFile(join(parent, 'afile', 'x'), log) : file;
    if (isRoot) writeFileSync(join(parent, 'afile'), '');
    expect(target.save({ volume: 1 })).toBe(false);
    expect(target.save({ volume: 2 })).toBe(false);
    expect(log.lines.filter((l) => l.includes('cannot save the device state'))).toHaveLength(1);
  });
});
