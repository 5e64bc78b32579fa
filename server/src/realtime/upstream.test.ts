import { describe, expect, it } from 'vitest';
import { silentLogger } from '@pichat/shared';
import { eventually } from '../../../test/support/eventually.js';
import { ProviderError } from '../providers/errors.js';
import { appendAudio } from './events.js';
import { RealtimeUpstream } from './upstream.js';

const config = () => ({ model: 'm', voice: 'v', instructions: 'i', transcribeModel: 't', language: '', flavor: 'ga' as const });

/** An upstream whose every connect fails with `code`, and a way to wait for the n-th attempt to have failed. */
function failingUpstream(code: 'auth' | 'network') {
  let failed = 0;
  const upstream = new RealtimeUpstream({
    connector: async () => {
      throw new ProviderError(code, 'refused', { provider: 'standin', ...(code === 'auth' ? { status: 401 } : {}) });
    },
    config,
    pingIntervalMs: 15_000,
    idleCloseMs: 300_000,
    reconnectBaseMs: 60_000, // no backoff ends during the test
    reconnectMaxMs: 60_000,
    maxQueueBytes: 1 << 20,
    log: silentLogger,
  });
  upstream.listen({ event: () => undefined, down: () => void failed++ });
  const downs = (n: number): Promise<unknown> => eventually(() => failed >= n, 2000, `failed connect ${n}`);
  return { upstream, downs };
}

describe('RealtimeUpstream after a failed connect', () => {
  it.each(['auth', 'network'] as const)('%s: audio sent meanwhile waits (no connect per frame); open() tries again at once', async (code) => {
    const { upstream, downs } = failingUpstream(code);
    upstream.send(appendAudio(new Uint8Array(960))); // idle: the first send opens the link
    await downs(1);
    expect(upstream.state).toBe(code === 'auth' ? 'refused' : 'waiting');
    for (let i = 0; i < 50; i++) upstream.send(appendAudio(new Uint8Array(960)));
    expect(upstream.connects).toBe(1);
    upstream.open(); // a new turn
    await downs(2);
    expect(upstream.connects).toBe(2);
    upstream.close();
  });
});
