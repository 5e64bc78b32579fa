import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The systemd units as shipped: `systemd-analyze verify` finds nothing to say about them and `systemd-analyze
 * security` rates each at an exposure of 3.0 or less (0 = locked down, 10 = unprotected).
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const UNITS = ['pichat-device.service', 'pichat-server.service'];
const haveAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** A copy of the unit to check. verify insists that ExecStart's binary exists: where Node is not /usr/bin/node
 * (the installer rewrites the path the same way), the copy points at this Node. */
function unitToCheck(unit: string): string {
  const source = join(root, 'systemd', unit);
  const dir = mkdtempSync(join(tmpdir(), 'pichat-units-'));
  const copy = join(dir, unit);
  if (existsSync('/usr/bin/node')) copyFileSync(source, copy);
  else writeFileSync(copy, readFileSync(source, 'utf8').replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `));
  return copy;
}

describe.skipIf(!haveAnalyze)('systemd units', () => {
  for (const unit of UNITS) {
    it(`${unit}: systemd-analyze verify is clean`, () => {
      const r = spawnSync('systemd-analyze', ['verify', unitToCheck(unit)], { encoding: 'utf8', timeout: 30_000 });
      const about = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('pichat'));
      expect(about).toEqual([]);
      expect(r.status).toBe(0);
    });

    it(`${unit}: systemd-analyze security exposure is at most 3.0`, () => {
      const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitToCheck(unit)], { encoding: 'utf8', timeout: 30_000 });
      const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(`${r.stdout}${r.stderr}`);
      expect(m, `no exposure figure in:\n${r.stdout}${r.stderr}`).not.toBeNull();
      const exposure = Number(m![1]);
      expect(exposure).toBeLessThanOrEqual(3.0);
    });
  }

  it('the units say what the issue asks: boot order, restart, unprivileged user, groups, readiness, watchdog', () => {
    const device = readFileSync(join(root, 'systemd/pichat-device.service'), 'utf8');
    const server = readFileSync(join(root, 'systemd/pichat-server.service'), 'utf8');
    for (const text of [device, server]) {
      expect(text).toMatch(/^After=.*network-online\.target/m);
      expect(text).toMatch(/^Restart=on-failure$/m);
      expect(text).toMatch(/^User=pichat$/m);
      expect(text).toMatch(/^WantedBy=multi-user\.target$/m);
    }
    expect(device).toMatch(/^After=.*sound\.target/m);
    expect(device).toMatch(/^SupplementaryGroups=audio gpio$/m);
    expect(device).toMatch(/^Type=notify$/m);
    expect(device).toMatch(/^NotifyAccess=all$/m);
    expect(device).toMatch(/^WatchdogSec=\d+/m);
    expect(device).toMatch(/^StateDirectory=pichat-device$/m);
    expect(server).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/pichat\/server\/dist\/main\.js$/m);
    expect(server).toMatch(/^EnvironmentFile=-\/etc\/pichat\/server\.env$/m);
    expect(server).toMatch(/^StateDirectory=pichat$/m);
  });
});

if (!haveAnalyze) {
  describe('systemd units', () => {
    it.skip('skipped: systemd-analyze is not installed (apt-get install systemd)', () => undefined);
  });
}
