import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The install and uninstall scripts: shellcheck clean, and a dry run prints every action and does none. */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPTS = ['scripts/install-device.sh', 'scripts/install-server.sh', 'scripts/uninstall.sh'];
const haveShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
const haveApt = spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;

function dryRun(script: string, ...args: string[]) {
  const prefix = mkdtempSync(join(tmpdir(), 'pichat-prefix-'));
  const r = spawnSync('bash', [join(root, script), '--dry-run', '--prefix', prefix, ...args], { encoding: 'utf8', timeout: 60_000 });
  const actions = r.stdout.trim().split('\n').filter(Boolean);
  return { ...r, actions, prefix };
}

describe.skipIf(!haveShellcheck)('shellcheck', () => {
  it.each(SCRIPTS)('%s is clean', (script) => {
    const r = spawnSync('shellcheck', ['-x', join(root, script)], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!haveApt)('install dry runs', () => {
  it('install-device.sh --dry-run: every step printed, nothing done', () => {
    const r = dryRun('scripts/install-device.sh', '--server-url', 'ws://pichat.local:8080/ws/device', '--token', 'tok-12345678');
    expect(r.stderr).not.toContain('needs root:');
    expect(r.status).toBe(0);
    expect(r.actions.every((a) => a.startsWith('would run: '))).toBe(true);
    const text = r.actions.join('\n');
    expect(text).toContain(`cp -R ${join(root, 'device/dist')} ${r.prefix}/device/dist`);
    expect(text).toMatch(/npm\\ ci\\ --omit=dev\\ .*-w\\ shared\\ -w\\ device/);
    expect(text).not.toMatch(/server\/dist/);
    expect(text).toContain('systemd/device.env.template /etc/pichat/device.env');
    expect(text).toContain('PICHAT_DEVICE_TOKEN=tok-12345678');
    expect(text).toContain('install -m 0644 ' + join(root, 'systemd/pichat-device.service') + ' /etc/systemd/system/pichat-device.service');
    expect(text).toContain('systemctl enable pichat-device.service');
    expect(text).toContain('systemctl restart pichat-device.service');
    if (spawnSync('id', ['-u', 'pichat']).status !== 0) expect(text).toContain('useradd --system');
    expect(readdirSync(r.prefix)).toEqual([]); // nothing written
  });

  it('install-server.sh --dry-run installs the server workspace with its template and unit', () => {
    const r = dryRun('scripts/install-server.sh', '--no-start');
    expect(r.status).toBe(0);
    const text = r.actions.join('\n');
    expect(text).toMatch(/npm\\ ci\\ --omit=dev\\ .*-w\\ shared\\ -w\\ server/);
    expect(text).toContain('systemd/server.env.template /etc/pichat/server.env');
    expect(text).toContain('systemctl enable pichat-server.service');
    expect(text).not.toContain('systemctl restart');
    expect(readdirSync(r.prefix)).toEqual([]);
  });

  it('bad input is refused before anything happens; --help explains', () => {
    const bad = dryRun('scripts/install-device.sh', '--token', 'a|b');
    expect(bad.status).toBe(2);
    expect(bad.actions).toEqual([]);
    const help = spawnSync('bash', [join(root, 'scripts/install-device.sh'), '--help'], { encoding: 'utf8' });
    expect(help.stdout).toContain('--dry-run');
  });
});

describe('uninstall dry run', () => {
  it('uninstall.sh and install-device.sh --uninstall print their actions and keep settings unless --purge', () => {
    const keep = dryRun('scripts/uninstall.sh', '--device');
    expect(keep.status).toBe(0);
    expect(keep.actions.join('\n')).toContain(`rm -rf ${keep.prefix}/device/dist`);
    expect(keep.actions.join('\n')).not.toContain('device.env');
    const purge = dryRun('scripts/uninstall.sh', '--all', '--purge');
    expect(purge.actions.join('\n')).toContain('rm -f /etc/pichat/device.env');
    expect(purge.actions.join('\n')).toContain('rm -rf /var/lib/pichat-device');
    const via = dryRun('scripts/install-device.sh', '--uninstall');
    expect(via.status).toBe(0);
    expect(via.actions.join('\n')).toContain('systemctl daemon-reload');
    expect(existsSync(purge.prefix)).toBe(true); // the dry run removed nothing
  });
});

describe('every device setting is documented once with its default', () => {
  it('config.ts, the env template and docs/device.md name the same variables', () => {
    const config = readFileSync(join(root, 'device/src/config/config.ts'), 'utf8');
    const inTable = [...config.matchAll(/^ \* \| (PICHAT_[A-Z_]+)/gm)].map((m) => m[1]!);
    const inSchema = [...config.matchAll(/^ {2}(PICHAT_[A-Z_]+):/gm)].map((m) => m[1]!);
    expect(new Set(inTable)).toEqual(new Set([...inSchema, 'PICHAT_DEVICE_ENV']));
    const template = readFileSync(join(root, 'systemd/device.env.template'), 'utf8');
    const docs = readFileSync(join(root, 'docs/device.md'), 'utf8');
    for (const name of inSchema) {
      expect(template, `${name} in the env template`).toMatch(new RegExp(`^#?${name}=`, 'm'));
      expect(docs, `${name} in docs/device.md`).toMatch(new RegExp(`\\| \`${name}\``));
    }
  });
});
