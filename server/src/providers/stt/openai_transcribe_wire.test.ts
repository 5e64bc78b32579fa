import { SPEECH_FORMAT, decodeWav } from '@pichat/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpStandin, errorResponse, gate, within } from '../../../../test/support/http-standin.js';
import { createOpenAiClient } from '../llm/clients.js';
import { retryingStt } from '../policy/retry.js';
import type { Usage } from '../usage.js';
import { OpenAiTranscriptionStt, toIso639 } from './openai-transcribe.js';

let standin: HttpStandin;
beforeEach(async () => {
  standin = await HttpStandin.start();
});
afterEach(async () => {
  await standin.close();
});

function stt(usage?: Usage[]): OpenAiTranscriptionStt {
  return new OpenAiTranscriptionStt({
    client: createOpenAiClient({ baseUrl: `${standin.url}/v1`, apiKey: 'sk-stt' }),
    model: 'whisper-1',
    language: 'pl-PL',
    ...(usage ? { onUsage: (u: Usage) => usage.push(u) } : {}),
  });
}

/** The file part of a multipart body. */
function filePart(body: Buffer): Buffer {
  const start = body.indexOf('RIFF');
  const end = body.indexOf('\r\n--', start);
  return body.subarray(start, end);
}

function field(body: Buffer, name: string): string | undefined {
  const m = new RegExp(`name="${name}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(body.toString('latin1'));
  return m?.[1];
}

describe('OpenAI-compatible /v1/audio/transcriptions against a stand-in', () => {
  it('uploads the turn as one 16 kHz WAV at finish(), with model and ISO-639-1 language', async () => {
    standin.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: '  Jaka jest   pogoda? ' }));
    });
    const usage: Usage[] = [];
    const stream = stt(usage).start({ format: SPEECH_FORMAT, signal: new AbortController().signal });
    const frame = new Uint8Array(640).fill(7);
    for (let i = 0; i < 50; i++) stream.write(frame); // 1 s
    expect(standin.requests).toHaveLength(0); // nothing sent while the user speaks
    expect(await stream.finish()).toEqual({ text: 'Jaka jest pogoda?' });
    const req = standin.requests[0]!;
    expect(req.url).toBe('/v1/audio/transcriptions');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(field(req.body, 'model')).toBe('whisper-1');
    expect(field(req.body, 'language')).toBe('pl');
    const wav = decodeWav(new Uint8Array(filePart(req.body)));
    expect(wav.format).toEqual(SPEECH_FORMAT);
    expect(wav.pcm.byteLength).toBe(32000);
    expect(usage).toEqual([{ provider: 'openai-transcribe', model: 'whisper-1', kind: 'audio_seconds', input: 1, output: 0 }]);
  });

  it('no audio: no request, empty text', async () => {
    const stream = stt().start({ format: SPEECH_FORMAT, signal: new AbortController().signal });
    expect(await stream.finish()).toEqual({ text: '' });
    expect(standin.requests).toHaveLength(0);
  });

  it('a 503 is retried by replaying the same audio', async () => {
    standin.setHandler((_req, res) => {
      if (standin.requests.length === 1) return errorResponse(res, 503);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: 'ok' }));
    });
    const stream = retryingStt(stt(), { retries: 1, baseDelayMs: 1, maxDelayMs: 10 }).start({ format: SPEECH_FORMAT, signal: new AbortController().signal });
    stream.write(new Uint8Array(3200).fill(1));
    expect(await stream.finish()).toEqual({ text: 'ok' });
    expect(standin.requests).toHaveLength(2);
    expect(filePart(standin.requests[1]!.body).equals(filePart(standin.requests[0]!.body))).toBe(true);
  });

  it('abort while waiting for the transcript rejects with AbortError and closes the upload', async () => {
    const hold = gate();
    standin.setHandler(async () => {
      await hold.promise;
    });
    const controller = new AbortController();
    const stream = stt().start({ format: SPEECH_FORMAT, signal: controller.signal });
    stream.write(new Uint8Array(3200));
    const result = stream.finish();
    await within(new Promise<void>((resolve) => {
      const check = (): void => (standin.requests.length > 0 ? resolve() : void setImmediate(check));
      check();
    }), 2000, 'request arrives');
    controller.abort();
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
    expect(await within(standin.requests[0]!.closed, 1000, 'connection close')).toEqual({ early: true });
    hold.open();
  });

  it('maps BCP-47 to ISO 639-1', () => {
    expect(toIso639('pl-PL')).toBe('pl');
    expect(toIso639('en')).toBe('en');
    expect(toIso639('')).toBeUndefined();
    expect(toIso639(undefined)).toBeUndefined();
  });
});
