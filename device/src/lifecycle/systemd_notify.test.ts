import { chmodSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { memoryLogger } from '@pichat/shared';
import { SystemdNotifier } from './systemd-notify.js';

/** A stand-in systemd-notify that appends its arguments (and NOTIFY_SOCKET) to a log, one call per line. */
function standinNotify(): { command: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-notify-'));
  const log = join(dir, 'calls.log');
  const command = join(dir, 'systemd-notify');
  writeFileSync(command, `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> "${log}"\n`);
  chmodSync(command, 0o755);
  return { command, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

const WAIT = { timeout: 5000, interval: 10 };

describe('SystemdNotifier', () => {
  it('outside systemd it does nothing at all', async () => {
    const n = standinNotify();
    const notifier = new SystemdNotifier({ env: {}, log: memoryLogger(), command: n.command });
    notifier.ready('up');
    notifier.stopping();
    await notifier.close();
    expect(n.calls()).toEqual([]);
    expect(notifier.watchdogIntervalMs).toBeUndefined();
  });

  it('sends READY with a status, pings the watchdog at half its period, and STOPPING at the end', async () => {
    const n = standinNotify();
    const notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: '/run/fake.sock', WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid) },
      log: memoryLogger(),
      command: n.command,
    });
    expect(notifier.watchdogIntervalMs).toBe(50);
    notifier.ready('connected');
    await vi.waitFor(() => expect(n.calls().filter((c) => c.endsWith('WATCHDOG=1')).length).toBeGreaterThanOrEqual(2), WAIT);
    notifier.stopping();
    await notifier.close();
    const calls = n.calls();
    expect(calls[0]).toBe('/run/fake.sock --ready --status=connected');
    expect(calls.at(-1)).toBe('/run/fake.sock STOPPING=1');
    const count = calls.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(n.calls()).toHaveLength(count); // no ping after stopping
  });

  it('the ping stops while the event loop is blocked, and while the health check fails', async () => {
    const n = standinNotify();
    let healthy = true;
    const notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: '/run/fake.sock', WATCHDOG_USEC: '60000' },
      log: memoryLogger(),
      command: n.command,
      healthy: () => healthy,
    });
    notifier.ready('up');
    await vi.waitFor(() => expect(n.calls().some((c) => c.endsWith('WATCHDOG=1'))).toBe(true), WAIT);
    // A stuck loop: no timer can run, so no systemd-notify is even spawned during it.
    const spawnedBefore = n.calls().length;
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // busy
    }
    await new Promise((r) => setTimeout(r, 0));
    expect(n.calls().length - spawnedBefore).toBeLessThanOrEqual(1); // at most the one in flight before the block
    healthy = false;
    await new Promise((r) => setTimeout(r, 100));
    const unhealthyStart = n.calls().length;
    await new Promise((r) => setTimeout(r, 200));
    expect(n.calls().length).toBe(unhealthyStart);
    await notifier.close();
  });

  it('ignores a watchdog meant for another process', () => {
    const notifier = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, log: memoryLogger() });
    expect(notifier.watchdogIntervalMs).toBeUndefined();
  });
});
