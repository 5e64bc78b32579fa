import { SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeStt } from '../../testing/fakes.js';
import { ProviderError, parseRetryAfter } from '../errors.js';
import { grammarFirstStt } from '../stt/grammar-first.js';
import { retryDelayMs, retryStream, type RetryPolicy } from './retry.js';

const err = (code: ConstructorParameters<typeof ProviderError>[0], retryAfterMs?: number) =>
  new ProviderError(code, code, { provider: 'p', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const policy: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 };

afterEach(() => {
  vi.useRealTimers();
});

describe('retry policy', () => {
  it('backs off exponentially with jitter, capped; honours Retry-After up to the cap; refuses the rest', () => {
    expect([0, 1, 2].map((a) => retryDelayMs(err('server_error'), a, policy))).toEqual([50, 100, 200]);
    expect(retryDelayMs(err('network'), 3, policy)).toBeUndefined(); // retries spent
    expect(retryDelayMs(err('rate_limited', 700), 0, policy)).toBe(700);
    expect(retryDelayMs(err('rate_limited', 5000), 0, policy)).toBeUndefined();
    expect(retryDelayMs(err('auth'), 0, policy)).toBeUndefined();
    expect(retryDelayMs(err('bad_response'), 0, policy)).toBeUndefined();
    expect(retryDelayMs(new Error('plain'), 0, policy)).toBeUndefined();
  });

  it('parses Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(parseRetryAfter(h({ 'retry-after': '3' }), 0)).toBe(3000);
    expect(parseRetryAfter(h({ 'retry-after-ms': '250', 'retry-after': '3' }), 0)).toBe(250);
    expect(parseRetryAfter(h({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(parseRetryAfter(h({ 'retry-after': 'soon' }), 0)).toBeUndefined();
    expect(parseRetryAfter(h({}), 0)).toBeUndefined();
  });

  it('waits the backoff on the clock (fake timers), never after the first item, and stops on abort', async () => {
    vi.useFakeTimers();
    let opens = 0;
    const controller = new AbortController();
    const out: number[] = [];
    const run = (async () => {
      for await (const v of retryStream(
        async function* () {
          opens++;
          if (opens < 3) throw err('server_error');
          yield 1;
          throw err('server_error'); // after the first item: final
        },
        policy,
        controller.signal,
      )) out.push(v);
    })();
    const settled = run.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(49);
    expect(opens).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(opens).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(opens).toBe(3);
    expect(await settled).toMatchObject({ code: 'server_error' });
    expect(out).toEqual([1]);

    let attempts = 0;
    const aborted = (async () => {
      for await (const _ of retryStream(
        // eslint-disable-next-line require-yield
        async function* () {
          attempts++;
          throw err('network');
        },
        policy,
        controller.signal,
      ));
    })().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    expect(await aborted).toMatchObject({ name: 'AbortError' });
    expect(attempts).toBe(1);
  });
});

describe('grammar first, cloud for the rest', () => {
  const start = (stt: ReturnType<typeof grammarFirstStt>, signal = new AbortController().signal) => {
    const s = stt.start({ format: SPEECH_FORMAT, signal });
    s.write(new Uint8Array(640));
    return s;
  };

  it('a command the grammar accepts is answered from the grammar; the cloud request is aborted', async () => {
    const grammar = new FakeStt(() => ({ text: 'what time is it' }));
    const cloud = new FakeStt(() => ({ text: 'What time is it?' }));
    const result = await start(grammarFirstStt(grammar, cloud)).finish();
    expect(result).toEqual({ text: 'what time is it' });
    expect(grammar.streams[0]!.bytes).toBe(640);
    expect(cloud.streams[0]!.bytes).toBe(640); // both heard the same audio
  });

  it('speech the grammar rejects goes to the cloud', async () => {
    const grammar = new FakeStt(() => ({ text: '', rejected: true }));
    const cloud = new FakeStt(() => ({ text: 'Play some jazz.' }));
    expect(await start(grammarFirstStt(grammar, cloud)).finish()).toEqual({ text: 'Play some jazz.' });
  });

  it('cloud unreachable: the grammar result stands (a rejection → the offline explanation)', async () => {
    const fallbacks: string[] = [];
    const grammar = new FakeStt(() => ({ text: '', rejected: true }));
    const cloud = new FakeStt(() => err('network'));
    const stt = grammarFirstStt(grammar, cloud, { onFallback: ({ primary }) => fallbacks.push(primary) });
    expect(await start(stt).finish()).toEqual({ text: '', rejected: true });
    expect(fallbacks).toEqual(['fake-stt']);
  });

  it('grammar broken: the cloud result is used; both broken: the cloud error', async () => {
    const broken = new FakeStt(() => new Error('decoder crashed'));
    expect(await start(grammarFirstStt(broken, new FakeStt(() => ({ text: 'hi' })))).finish()).toEqual({ text: 'hi' });
    await expect(start(grammarFirstStt(broken, new FakeStt(() => err('auth')))).finish()).rejects.toMatchObject({ code: 'auth' });
  });

  it('abort of the turn aborts both and rejects', async () => {
    const controller = new AbortController();
    const grammar = new FakeStt();
    const cloud = new FakeStt();
    const s = start(grammarFirstStt(grammar, cloud), controller.signal);
    controller.abort();
    await expect(s.finish()).rejects.toMatchObject({ name: 'AbortError' });
    expect(grammar.open + cloud.open).toBe(0);
  });
});
