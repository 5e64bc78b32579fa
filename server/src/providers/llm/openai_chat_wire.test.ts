import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HttpStandin,
  chatChunk,
  errorResponse,
  gate,
  jsonBody,
  startSse,
  streamChat,
  within,
} from '../../../../test/support/http-standin.js';
import { ProviderError } from '../errors.js';
import { retryingChat, type RetryPolicy } from '../policy/retry.js';
import { timeoutChat } from '../policy/timeout.js';
import type { Usage } from '../usage.js';
import { createAzureOpenAiClient, createOpenAiClient } from './clients.js';
import { OpenAiChatModel } from './openai-chat.js';

let standin: HttpStandin;
beforeEach(async () => {
  standin = await HttpStandin.start();
});
afterEach(async () => {
  await standin.close();
});

const messages = [
  { role: 'system' as const, content: 'be brief' },
  { role: 'user' as const, content: 'hello' },
];

function model(usage?: Usage[]): OpenAiChatModel {
  return new OpenAiChatModel({
    client: createOpenAiClient({ baseUrl: `${standin.url}/v1`, apiKey: 'sk-test' }),
    model: 'standin-model',
    ...(usage ? { onUsage: (u: Usage) => usage.push(u) } : {}),
  });
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const d of it) out.push(d);
  return out;
}

async function failure(it: AsyncIterable<string>): Promise<unknown> {
  try {
    await collect(it);
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

/** Retries without waiting; records the delays asked for. */
function instantRetry(delays: number[], retries = 2): RetryPolicy {
  return { retries, baseDelayMs: 100, maxDelayMs: 5000, random: () => 0.5, sleep: async (ms) => void delays.push(ms) };
}

describe('OpenAI-compatible streaming chat against a loopback stand-in', () => {
  it('yields the deltas of an SSE stream split across TCP reads, stops at [DONE], reports usage', async () => {
    standin.setHandler((_req, res) => streamChat(res, ['Hello', ' there.', ' Zażółć', ' gęślą.'], { splitBytes: 7, usage: [12, 5] }));
    const usage: Usage[] = [];
    const deltas = await collect(model(usage).stream(messages, new AbortController().signal));
    expect(deltas.join('')).toBe('Hello there. Zażółć gęślą.');
    const req = standin.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    const body = jsonBody(req);
    expect(body).toMatchObject({ model: 'standin-model', stream: true, stream_options: { include_usage: true } });
    expect(body.messages).toEqual(messages);
    expect(usage).toEqual([{ provider: 'openai-chat', model: 'standin-model', kind: 'tokens', input: 12, output: 5 }]);
  });

  it('estimates usage when the server sends none', async () => {
    standin.setHandler((_req, res) => streamChat(res, ['abcdefgh']));
    const usage: Usage[] = [];
    await collect(model(usage).stream(messages, new AbortController().signal));
    expect(usage[0]).toMatchObject({ kind: 'tokens', output: 2, estimated: true });
  });

  it('talks to Azure OpenAI: deployment path, api-version query, api-key header', async () => {
    standin.setHandler((_req, res) => streamChat(res, ['ok']));
    const client = createAzureOpenAiClient({ endpoint: standin.url, apiKey: 'az-key', deployment: 'gpt4o', apiVersion: '2024-10-21' });
    const azure = new OpenAiChatModel({ client, model: 'gpt4o', name: 'azure-openai' });
    expect(await collect(azure.stream(messages, new AbortController().signal))).toEqual(['ok']);
    const req = standin.requests[0]!;
    expect(req.url).toBe('/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21');
    expect(req.headers['api-key']).toBe('az-key');
  });

  it('429 with Retry-After: typed, retryable, the wait honoured exactly, then succeeds', async () => {
    standin.setHandler((_req, res) =>
      standin.requests.length === 1 ? errorResponse(res, 429, { 'retry-after': '2' }) : streamChat(res, ['fine']),
    );
    const raw = await failure(model().stream(messages, new AbortController().signal));
    expect(raw).toBeInstanceOf(ProviderError);
    expect(raw).toMatchObject({ code: 'rate_limited', retryable: true, status: 429, retryAfterMs: 2000 });

    standin.requests.length = 0;
    const delays: number[] = [];
    const deltas = await collect(retryingChat(model(), instantRetry(delays)).stream(messages, new AbortController().signal));
    expect(deltas).toEqual(['fine']);
    expect(delays).toEqual([2000]);
    expect(standin.requests).toHaveLength(2);
  });

  it('a Retry-After beyond the policy maximum is not waited for', async () => {
    standin.setHandler((_req, res) => errorResponse(res, 429, { 'retry-after': '120' }));
    const delays: number[] = [];
    const err = await failure(retryingChat(model(), instantRetry(delays)).stream(messages, new AbortController().signal));
    expect(err).toMatchObject({ code: 'rate_limited' });
    expect(delays).toEqual([]);
    expect(standin.requests).toHaveLength(1);
  });

  it('500 is retried with backoff until the retries are spent; 400 is not retried', async () => {
    standin.setHandler((_req, res) => errorResponse(res, 500));
    const delays: number[] = [];
    const err = await failure(retryingChat(model(), instantRetry(delays)).stream(messages, new AbortController().signal));
    expect(err).toMatchObject({ code: 'server_error', status: 500, retryable: true });
    expect(standin.requests).toHaveLength(3);
    expect(delays).toEqual([75, 150]); // base 100 ms doubled, jitter 0.75 of the ceiling

    standin.requests.length = 0;
    standin.setHandler((_req, res) => errorResponse(res, 400));
    const bad = await failure(retryingChat(model(), instantRetry([])).stream(messages, new AbortController().signal));
    expect(bad).toMatchObject({ code: 'bad_request', retryable: false });
    expect(standin.requests).toHaveLength(1);
  });

  it('a connection dropped before any data is a retryable network error and is retried', async () => {
    standin.setHandler((req, res) => {
      if (standin.requests.length === 1) res.socket?.destroy();
      else return streamChat(res, ['back']);
    });
    const delays: number[] = [];
    expect(await collect(retryingChat(model(), instantRetry(delays)).stream(messages, new AbortController().signal))).toEqual(['back']);
    expect(delays).toHaveLength(1);
  });

  it('a connection dropped mid-stream fails with network and is never retried (text was already out)', async () => {
    standin.setHandler(async (_req, res) => {
      startSse(res);
      res.write(`data: ${chatChunk('Half')}\n\n`);
      await new Promise((r) => setTimeout(r, 5));
      res.socket?.destroy();
    });
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const d of retryingChat(model(), instantRetry([])).stream(messages, new AbortController().signal)) seen.push(d);
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual(['Half']);
    expect(error).toMatchObject({ code: 'network' });
    expect(standin.requests).toHaveLength(1);
  });

  it('malformed JSON in a chunk is a bad_response, not retried', async () => {
    standin.setHandler((_req, res) => {
      startSse(res);
      res.write(`data: ${chatChunk('ok')}\n\n`);
      res.write('data: {"choices": [\n\n');
      res.end();
    });
    const err = await failure(retryingChat(model(), instantRetry([])).stream(messages, new AbortController().signal));
    expect(err).toMatchObject({ code: 'bad_response', retryable: false });
  });

  it('a stalled stream times out (idle limit), and the stand-in sees the connection closed', async () => {
    const never = gate();
    standin.setHandler(async (_req, res) => {
      startSse(res);
      res.write(`data: ${chatChunk('Wait')}\n\n`);
      await never.promise;
    });
    const guarded = timeoutChat(model(), { firstMs: 2000, idleMs: 150 });
    const err = await failure(guarded.stream(messages, new AbortController().signal));
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect((err as Error).message).toMatch(/no next chunk within 150 ms/); // the idle limit, not the first-token one
    expect(await within(standin.requests[0]!.closed, 2000, 'connection close')).toEqual({ early: true });
  });

  it('no first token within the limit: timeout, retried, then answered', async () => {
    const never = gate();
    standin.setHandler(async (_req, res) => {
      if (standin.requests.length === 1) {
        startSse(res);
        await never.promise;
      } else await streamChat(res, ['late but fine']);
    });
    const delays: number[] = [];
    const guarded = retryingChat(timeoutChat(model(), { firstMs: 150, idleMs: 1000 }), instantRetry(delays));
    expect(await collect(guarded.stream(messages, new AbortController().signal))).toEqual(['late but fine']);
    expect(await within(standin.requests[0]!.closed, 2000, 'first connection close')).toEqual({ early: true });
  });

  it('abort mid-stream ends the iteration at once and closes the HTTP request', async () => {
    const hold = gate();
    standin.setHandler(async (_req, res) => {
      startSse(res);
      res.write(`data: ${chatChunk('First.')}\n\n`);
      await hold.promise;
    });
    const controller = new AbortController();
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const d of model().stream(messages, controller.signal)) {
        seen.push(d);
        controller.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual(['First.']);
    expect((error as Error).name).toBe('AbortError');
    expect(await within(standin.requests[0]!.closed, 1000, 'connection close')).toEqual({ early: true });
    hold.open();
  });

  it('a consumer that stops reading (break) closes the HTTP request too', async () => {
    const hold = gate();
    standin.setHandler(async (_req, res) => {
      startSse(res);
      res.write(`data: ${chatChunk('One.')}\n\n`);
      await hold.promise;
    });
    for await (const d of model().stream(messages, new AbortController().signal)) {
      expect(d).toBe('One.');
      break;
    }
    expect(await within(standin.requests[0]!.closed, 1000, 'connection close')).toEqual({ early: true });
    hold.open();
  });
});
