import { SPEECH_FORMAT } from '@pichat/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpStandin, errorResponse, gate, jsonBody, writeSplit, within } from '../../../../test/support/http-standin.js';
import { FakeTts } from '../../testing/fakes.js';
import { createOpenAiClient } from '../llm/clients.js';
import { fallbackTts } from '../policy/fallback.js';
import { retryingTts } from '../policy/retry.js';
import { timeoutTts } from '../policy/timeout.js';
import type { Usage } from '../usage.js';
import { ElevenLabsTts } from './elevenlabs.js';
import { OPENAI_PCM_FORMAT, OpenAiSpeechTts } from './openai-speech.js';

let standin: HttpStandin;
beforeEach(async () => {
  standin = await HttpStandin.start();
});
afterEach(async () => {
  await standin.close();
});

/** 0.1 s of a ramp at `rateHz`, as s16le. */
function pcm(rateHz: number): Buffer {
  const samples = rateHz / 10;
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) out.writeInt16LE((i * 37) % 30000, i * 2);
  return out;
}

async function bytesOf(chunks: AsyncIterable<Uint8Array>, sizes?: number[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) {
    sizes?.push(c.byteLength);
    parts.push(Buffer.from(c));
  }
  return Buffer.concat(parts);
}

function openAiTts(usage?: Usage[]): OpenAiSpeechTts {
  return new OpenAiSpeechTts({
    client: createOpenAiClient({ baseUrl: `${standin.url}/v1`, apiKey: 'sk-tts' }),
    model: 'gpt-4o-mini-tts',
    voice: 'alloy',
    ...(usage ? { onUsage: (u: Usage) => usage.push(u) } : {}),
  });
}

function elevenLabs(): ElevenLabsTts {
  return new ElevenLabsTts({ apiKey: 'xi-key', voiceId: 'voice/1', modelId: 'eleven_flash_v2_5', baseUrl: standin.url });
}

describe('OpenAI-compatible /v1/audio/speech (pcm) against a stand-in', () => {
  it('streams 24 kHz PCM split at odd byte counts as whole samples, byte-exact', async () => {
    const audio = pcm(24000);
    standin.setHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      await writeSplit(res, audio, 333, 1);
      res.end();
    });
    const usage: Usage[] = [];
    const stream = openAiTts(usage).synthesize('Hello & <world>.', new AbortController().signal);
    expect(stream.format).toEqual(OPENAI_PCM_FORMAT);
    const sizes: number[] = [];
    expect((await bytesOf(stream.chunks, sizes)).equals(audio)).toBe(true);
    expect(sizes.every((n) => n % 2 === 0)).toBe(true);
    const req = standin.requests[0]!;
    expect(req.url).toBe('/v1/audio/speech');
    expect(req.headers.authorization).toBe('Bearer sk-tts');
    expect(jsonBody(req)).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'alloy', input: 'Hello & <world>.', response_format: 'pcm' });
    expect(usage).toEqual([{ provider: 'openai-speech', model: 'gpt-4o-mini-tts', kind: 'characters', input: 16, output: 0 }]);
  });

  it('abort mid-stream ends the chunks quietly and closes the HTTP request', async () => {
    const hold = gate();
    standin.setHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      res.write(pcm(24000));
      await hold.promise;
    });
    const controller = new AbortController();
    let got = 0;
    for await (const c of openAiTts().synthesize('Long text.', controller.signal).chunks) {
      got += c.byteLength;
      controller.abort();
    }
    expect(got).toBeGreaterThan(0);
    expect(await within(standin.requests[0]!.closed, 1000, 'connection close')).toEqual({ early: true });
    hold.open();
  });

  it.each([
    ['OpenAI', () => openAiTts().synthesize('Long text.', new AbortController().signal).chunks],
    ['ElevenLabs', () => elevenLabs().synthesize('Long text.', new AbortController().signal).chunks],
  ])('%s: a consumer that stops reading (no abort) closes the HTTP request', async (_name, chunks) => {
    const hold = gate();
    standin.setHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      res.write(pcm(24000));
      await hold.promise;
    });
    for await (const c of chunks()) {
      expect(c.byteLength).toBeGreaterThan(0);
      break;
    }
    expect(await within(standin.requests[0]!.closed, 1000, 'connection close')).toEqual({ early: true });
    hold.open();
  });

  it('counts usage once for a sentence answered on the third attempt: refused attempts are not billed', async () => {
    standin.setHandler(async (_req, res) => {
      if (standin.requests.length <= 2) return errorResponse(res, 503);
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      res.end(pcm(24000));
    });
    const usage: Usage[] = [];
    const tts = retryingTts(openAiTts(usage), { retries: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined });
    expect((await bytesOf(tts.synthesize('Hello there.', new AbortController().signal).chunks)).byteLength).toBe(4800);
    expect(standin.requests).toHaveLength(3);
    expect(usage.map((u) => u.input)).toEqual([12]);
  });

  it('a 500 before any audio is retried; a stalled body times out and falls back to the offline voice, resampled', async () => {
    standin.setHandler(async (_req, res) => {
      if (standin.requests.length === 1) return errorResponse(res, 500);
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      await new Promise(() => undefined); // stalls: headers but no audio
    });
    const offline = new FakeTts({ msPerChar: 10, chunkMs: 20 }); // 16 kHz
    const fallbacks: string[] = [];
    const tts = fallbackTts(
      retryingTts(timeoutTts(openAiTts(), { firstMs: 200, idleMs: 200 }), { retries: 1, baseDelayMs: 1, maxDelayMs: 10 }),
      offline,
      { cooldownMs: 60_000, onFallback: ({ error }) => fallbacks.push((error as { code: string }).code) },
    );
    const stream = tts.synthesize('Hello.', new AbortController().signal);
    expect(stream.format).toEqual(OPENAI_PCM_FORMAT);
    const audio = await within(bytesOf(stream.chunks), 3000, 'fallback audio');
    // 6 chars × 10 ms = 60 ms of 16 kHz speech, resampled to 24 kHz: about 60 ms × 48 bytes.
    expect(audio.byteLength).toBeGreaterThan(2500);
    expect(audio.byteLength).toBeLessThan(3100);
    expect(fallbacks).toEqual(['timeout']);
    expect(standin.requests).toHaveLength(2);
    expect(await within(standin.requests[1]!.closed, 1000, 'stalled connection close')).toEqual({ early: true });
    // During the cooldown the offline voice answers at once, in its own format.
    const next = tts.synthesize('Again.', new AbortController().signal);
    expect(next.format).toEqual(SPEECH_FORMAT);
    expect(standin.requests).toHaveLength(2);
    await bytesOf(next.chunks);
  });
});

describe('ElevenLabs streaming (pcm_16000) against a stand-in', () => {
  it('posts to /v1/text-to-speech/{voice}/stream?output_format=pcm_16000 and streams whole samples', async () => {
    const audio = pcm(16000);
    standin.setHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      await writeSplit(res, audio, 101, 1);
      res.end();
    });
    const stream = elevenLabs().synthesize('Cześć!', new AbortController().signal);
    expect(stream.format).toEqual(SPEECH_FORMAT);
    expect((await bytesOf(stream.chunks)).equals(audio)).toBe(true);
    const req = standin.requests[0]!;
    expect(req.url).toBe('/v1/text-to-speech/voice%2F1/stream?output_format=pcm_16000');
    expect(req.headers['xi-api-key']).toBe('xi-key');
    expect(jsonBody(req)).toEqual({ text: 'Cześć!', model_id: 'eleven_flash_v2_5' });
  });

  it('429 with Retry-After is typed and retried after exactly that wait', async () => {
    standin.setHandler(async (_req, res) => {
      if (standin.requests.length === 1) return errorResponse(res, 429, { 'retry-after': '1' });
      res.writeHead(200);
      res.end(pcm(16000));
    });
    const delays: number[] = [];
    const tts = retryingTts(elevenLabs(), { retries: 2, baseDelayMs: 10, maxDelayMs: 5000, sleep: async (ms) => void delays.push(ms) });
    expect((await bytesOf(tts.synthesize('Hi.', new AbortController().signal).chunks)).byteLength).toBe(3200);
    expect(delays).toEqual([1000]);
  });

  it('a dropped connection mid-body fails with network after audio started, and is not retried', async () => {
    standin.setHandler(async (_req, res) => {
      res.writeHead(200);
      res.write(pcm(16000));
      await new Promise((r) => setTimeout(r, 5));
      res.socket?.destroy();
    });
    const tts = retryingTts(elevenLabs(), { retries: 2, baseDelayMs: 1, maxDelayMs: 10 });
    let got = 0;
    let error: unknown;
    try {
      for await (const c of tts.synthesize('Hi.', new AbortController().signal).chunks) got += c.byteLength;
    } catch (err) {
      error = err;
    }
    expect(got).toBe(3200);
    expect(error).toMatchObject({ code: 'network', provider: 'elevenlabs' });
    expect(standin.requests).toHaveLength(1);
  });

  it('401 is an auth error, not retried', async () => {
    standin.setHandler((_req, res) => errorResponse(res, 401));
    const tts = retryingTts(elevenLabs(), { retries: 2, baseDelayMs: 1, maxDelayMs: 10 });
    await expect(bytesOf(tts.synthesize('Hi.', new AbortController().signal).chunks)).rejects.toMatchObject({ code: 'auth', retryable: false });
    expect(standin.requests).toHaveLength(1);
  });
});
