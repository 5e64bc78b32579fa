import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SPEECH_FORMAT } from '@pichat/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAzurePorts, type FakeSynthesizer } from '../../../../test/support/fake-azure-speech.js';
import { within } from '../../../../test/support/http-standin.js';
import { FakeStt, FakeTts } from '../../testing/fakes.js';
import { fallbackStt, fallbackTts } from '../policy/fallback.js';
import { AzureSpeechStt } from '../stt/azure-speech-stt.js';
import { AzureSpeechTts } from '../tts/azure-speech-tts.js';
import { buildSsml, escapeXml } from '../tts/ssml.js';
import { selectVoice } from '../tts/voices.js';
import { exactArrayBuffer } from './ports.js';
import { sdkSpeechPorts } from './sdk.js';
import type { Usage } from '../usage.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('audio for the push stream', () => {
  it('a pooled Buffer becomes an ArrayBuffer of exactly its bytes', () => {
    const pooled = Buffer.from([1, 2, 3, 4, 5, 6]); // small Buffers share an 8 kB pool
    expect(pooled.buffer.byteLength).toBeGreaterThan(6);
    const ab = exactArrayBuffer(pooled);
    expect(ab.byteLength).toBe(6);
    expect([...new Uint8Array(ab)]).toEqual([1, 2, 3, 4, 5, 6]);
    const view = new Uint8Array(new ArrayBuffer(10)).subarray(2, 6);
    view.set([9, 8, 7, 6]);
    expect([...new Uint8Array(exactArrayBuffer(view))]).toEqual([9, 8, 7, 6]);
    const whole = new Uint8Array([1, 2]);
    expect(exactArrayBuffer(whole)).toBe(whole.buffer); // no copy when it is already exact
  });
});

describe('SSML and voices', () => {
  it('escapes XML specials and drops characters XML forbids', () => {
    expect(escapeXml(`Tom & Jerry <b> "quoted" 'single'\u0001\uD800`)).toBe('Tom &amp; Jerry &lt;b&gt; &quot;quoted&quot; &apos;single&apos;');
    expect(escapeXml('Zażółć 😀')).toBe('Zażółć 😀');
  });

  it('builds one voice element with the locale and an optional prosody rate', () => {
    expect(buildSsml('2 < 3 & 4', { locale: 'pl-PL', voice: 'pl-PL-ZofiaNeural' })).toBe(
      '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="pl-PL"><voice name="pl-PL-ZofiaNeural">2 &lt; 3 &amp; 4</voice></speak>',
    );
    expect(buildSsml('Hi', { locale: 'en-US', voice: 'en-US-GuyNeural', rate: '+10%' })).toContain('<prosody rate="+10%">Hi</prosody>');
  });

  it('selects a voice by gender and locale, falling back by language, then to en-US', () => {
    expect(selectVoice({ locale: 'pl-PL', gender: 'female' })).toEqual({ voice: 'pl-PL-ZofiaNeural', locale: 'pl-PL' });
    expect(selectVoice({ locale: 'pl-pl', gender: 'male' })).toEqual({ voice: 'pl-PL-MarekNeural', locale: 'pl-PL' });
    expect(selectVoice({ locale: 'en-IE', gender: 'male' }).voice).toMatch(/^en-/);
    expect(selectVoice({ locale: 'xx-YY', gender: 'female' })).toEqual({ voice: 'en-US-JennyNeural', locale: 'en-US' });
    expect(selectVoice({ locale: 'en-US', gender: 'female', voice: 'de-DE-KatjaNeural' })).toEqual({ voice: 'de-DE-KatjaNeural', locale: 'de-DE' });
  });
});

describe('Azure Speech STT (ports stand-in)', () => {
  it('starts at once, pushes exact slices, joins the final phrases, then stops and closes', async () => {
    const ports = new FakeAzurePorts((r, p) => {
      p.onClose = () => {
        r.onRecognized?.('Jaka jest');
        r.onRecognized?.('pogoda?');
        r.onCanceled?.({ code: 'end_of_stream', details: '' });
        r.onSessionStopped?.();
      };
    });
    const usage: Usage[] = [];
    const stt = new AzureSpeechStt({ ports, language: 'pl-PL', onUsage: (u) => usage.push(u) });
    const stream = stt.start({ format: SPEECH_FORMAT, signal: signal() });
    const { recognizer, push, language } = ports.recognizers[0]!;
    expect(recognizer.started).toBe(true);
    expect(language).toBe('pl-PL');
    stream.write(Buffer.from([1, 2, 3, 4]));
    expect(push.writes.map((w) => w.byteLength)).toEqual([4]);
    expect(await stream.finish()).toEqual({ text: 'Jaka jest pogoda?' });
    expect(push.closed).toBe(true);
    await within(waitFor(() => recognizer.closed), 1000, 'recognizer closed');
    expect(recognizer.stopped).toBe(true);
    expect(usage.map((u) => [u.kind, u.input])).toEqual([['audio_seconds', 4 / 32000]]);
  });

  it('a cancellation with ConnectionFailure is a retryable network ProviderError, and the recognizer is closed', async () => {
    const ports = new FakeAzurePorts((r, p) => {
      p.onClose = () => r.onCanceled?.({ code: 'connection_failure', details: 'Unable to contact server.' });
    });
    const usage: Usage[] = [];
    const stream = new AzureSpeechStt({ ports, language: 'en-US', onUsage: (u) => usage.push(u) }).start({ format: SPEECH_FORMAT, signal: signal() });
    stream.write(new Uint8Array(640));
    await expect(stream.finish()).rejects.toMatchObject({ name: 'ProviderError', code: 'network', retryable: true, provider: 'azure-speech-stt' });
    expect(usage).toEqual([]); // not billed: a retry sends the audio again
    await within(waitFor(() => ports.recognizers[0]!.recognizer.closed), 1000, 'recognizer closed');
  });

  it('abort closes the recognizer even when finish() is never called', async () => {
    const ports = new FakeAzurePorts();
    const controller = new AbortController();
    new AzureSpeechStt({ ports, language: 'en-US' }).start({ format: SPEECH_FORMAT, signal: controller.signal }).write(new Uint8Array(640));
    controller.abort();
    await within(waitFor(() => ports.recognizers[0]!.recognizer.closed), 1000, 'recognizer closed');
    expect(ports.recognizers[0]!.push.closed).toBe(true);
  });
});

describe('Azure Speech TTS (ports stand-in)', () => {
  it('streams synthesizing chunks, reuses one synthesizer, runs requests in order', async () => {
    const ports = new FakeAzurePorts();
    const tts = new AzureSpeechTts({ ports, voice: { voice: 'pl-PL-ZofiaNeural', locale: 'pl-PL' } });
    const a = tts.synthesize('Pierwsze.', signal());
    const b = tts.synthesize('Drugie.', signal());
    expect(a.format).toEqual(SPEECH_FORMAT);
    const readA = collect(a.chunks);
    const readB = collect(b.chunks);
    const synth = await within(waitForValue(() => ports.synthesizers[0]), 1000, 'synthesizer');
    await within(waitFor(() => synth.spoken.length === 1), 1000, 'first request');
    synth.audio([1, 2]);
    synth.audio([3, 4]);
    synth.complete();
    expect(await readA).toEqual([1, 2, 3, 4]);
    await within(waitFor(() => synth.spoken.length === 2), 1000, 'second request');
    expect(synth.spoken[1]).toContain('>Drugie.<');
    synth.audio([5, 6]);
    synth.complete();
    expect(await readB).toEqual([5, 6]);
    expect(ports.synthesizers).toHaveLength(1);
    await tts.close();
    expect(synth.closed).toBe(true);
  });

  it('withVoice speaks another voice on the same synthesizer, in the same queue', async () => {
    const ports = new FakeAzurePorts();
    const tts = new AzureSpeechTts({ ports, voice: { voice: 'en-US-JennyNeural', locale: 'en-US' } });
    const polish = tts.withVoice(selectVoice({ locale: 'pl-PL', gender: 'male' }));
    const readA = collect(polish.synthesize('Cześć.', signal()).chunks);
    const readB = collect(tts.synthesize('Hello.', signal()).chunks);
    const synth = await within(waitForValue(() => ports.synthesizers[0]), 1000, 'synthesizer');
    await within(waitFor(() => synth.spoken.length === 1), 1000, 'first request');
    expect(synth.spoken[0]).toContain('pl-PL-MarekNeural');
    synth.audio([1, 2]);
    synth.complete();
    expect(await readA).toEqual([1, 2]);
    await within(waitFor(() => synth.spoken.length === 2), 1000, 'second request');
    expect(synth.spoken[1]).toContain('en-US-JennyNeural');
    synth.complete();
    await readB;
    expect(ports.synthesizers).toHaveLength(1);
    await tts.close();
  });

  it('abort mid-synthesis: the stream ends, late chunks are dropped, the synthesizer is retired', async () => {
    const ports = new FakeAzurePorts();
    const tts = new AzureSpeechTts({ ports, voice: { voice: 'en-US-JennyNeural', locale: 'en-US' } });
    const controller = new AbortController();
    const read = collect(tts.synthesize('Long sentence.', controller.signal).chunks);
    const synth: FakeSynthesizer = await within(waitForValue(() => ports.synthesizers[0]), 1000, 'synthesizer');
    await within(waitFor(() => synth.spoken.length === 1), 1000, 'request');
    synth.audio([1, 2]);
    await within(waitFor(() => true), 10, 'tick');
    controller.abort();
    synth.audio([9, 9]); // late
    expect(await within(read, 1000, 'stream end')).toEqual([1, 2]);
    expect(synth.closed).toBe(true);
    // The next request gets a fresh synthesizer and does not wait for the abandoned one.
    const next = collect(tts.synthesize('Next.', signal()).chunks);
    const fresh = await within(waitForValue(() => ports.synthesizers[1]), 1000, 'fresh synthesizer');
    await within(waitFor(() => fresh.spoken.length === 1), 1000, 'next request');
    synth.audio([7, 7]); // late from the retired one: dropped
    fresh.audio([3, 4]);
    fresh.complete();
    expect(await next).toEqual([3, 4]);
  });

  it('counts the characters of what was sent and not refused; a sentence aborted while queued counts nothing', async () => {
    const ports = new FakeAzurePorts();
    const usage: Usage[] = [];
    const tts = new AzureSpeechTts({ ports, voice: { voice: 'en-US-JennyNeural', locale: 'en-US' }, onUsage: (u) => usage.push(u) });
    const refused = collect(tts.synthesize('Refused.', signal()).chunks);
    const queued = new AbortController();
    const dropped = collect(tts.synthesize('Never sent.', queued.signal).chunks);
    const synth = await within(waitForValue(() => ports.synthesizers[0]), 1000, 'synthesizer');
    await within(waitFor(() => synth.spoken.length === 1), 1000, 'first request');
    queued.abort(); // the second sentence is still waiting behind the first
    expect(await within(dropped, 1000, 'queued stream end')).toEqual([]);
    synth.cancel({ code: 'too_many_requests', details: '' });
    await expect(refused).rejects.toMatchObject({ code: 'rate_limited' });
    const spoken = collect(tts.synthesize('Spoken.', signal()).chunks);
    const fresh = await within(waitForValue(() => ports.synthesizers[1]), 1000, 'fresh synthesizer');
    await within(waitFor(() => fresh.spoken.length === 1), 1000, 'third request');
    fresh.audio([1, 2]);
    fresh.complete();
    await spoken;
    expect(usage.map((u) => u.input)).toEqual(['Spoken.'.length]);
    await tts.close();
  });

  it('a cancellation becomes a typed error and the failed synthesizer is replaced', async () => {
    const ports = new FakeAzurePorts();
    const tts = new AzureSpeechTts({ ports, voice: { voice: 'en-US-JennyNeural', locale: 'en-US' } });
    const read = collect(tts.synthesize('Hi.', signal()).chunks);
    const synth = await within(waitForValue(() => ports.synthesizers[0]), 1000, 'synthesizer');
    await within(waitFor(() => synth.spoken.length === 1), 1000, 'request');
    synth.cancel({ code: 'too_many_requests', details: '' });
    await expect(read).rejects.toMatchObject({ code: 'rate_limited', retryable: true });
    expect(synth.closed).toBe(true);
  });
});

describe('the real SDK pointed at a loopback endpoint that refuses', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    server.on('upgrade', (_req, socket) => socket.destroy()); // WebSocket handshake refused
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/speech`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('STT fails with a clean ProviderError and the offline recogniser answers instead', async () => {
    const ports = sdkSpeechPorts({ key: 'not-a-key', endpoint });
    const azure = new AzureSpeechStt({ ports, language: 'en-US' });
    const stream = azure.start({ format: SPEECH_FORMAT, signal: signal() });
    stream.write(new Uint8Array(3200));
    const err = await within(stream.finish().catch((e: unknown) => e), 15_000, 'azure stt failure');
    expect(err).toMatchObject({ name: 'ProviderError', provider: 'azure-speech-stt' });
    expect(['network', 'auth', 'server_error', 'unavailable']).toContain((err as { code: string }).code);

    const offline = new FakeStt(() => ({ text: 'what time is it' }));
    const withFallback = fallbackStt(new AzureSpeechStt({ ports, language: 'en-US' }), offline);
    const s2 = withFallback.start({ format: SPEECH_FORMAT, signal: signal() });
    s2.write(new Uint8Array(3200));
    expect(await within(s2.finish(), 15_000, 'fallback stt')).toEqual({ text: 'what time is it' });
    expect(offline.streams[0]!.bytes).toBe(3200);
  });

  it('TTS fails with a clean ProviderError and the offline voice speaks instead', async () => {
    const azure = new AzureSpeechTts({ ports: sdkSpeechPorts({ key: 'not-a-key', endpoint }), voice: selectVoice({ locale: 'en-US', gender: 'female' }) });
    await expect(within(collect(azure.synthesize('Hello.', signal()).chunks), 15_000, 'azure tts failure')).rejects.toMatchObject({
      name: 'ProviderError',
      provider: 'azure-speech-tts',
    });
    const tts = fallbackTts(azure, new FakeTts(), { cooldownMs: 1000 });
    const audio = await within(collect(tts.synthesize('Hello.', signal()).chunks), 15_000, 'fallback tts');
    expect(audio.length).toBeGreaterThan(0);
    await azure.close();
  });
});

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of chunks) out.push(...c);
  return out;
}

/** Resolves when `condition` holds, checking on each macrotask turn (callers bound it with `within`). */
function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (condition() ? resolve() : void setImmediate(check));
    check();
  });
}

function waitForValue<T>(get: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const check = (): void => {
      const v = get();
      if (v !== undefined) resolve(v);
      else setImmediate(check);
    };
    check();
  });
}
