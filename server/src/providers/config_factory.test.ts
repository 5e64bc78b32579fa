import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAzurePorts } from '../../../test/support/fake-azure-speech.js';
import { HttpStandin, errorResponse, streamChat } from '../../../test/support/http-standin.js';
import { FakeBrain, FakeStt, FakeTts } from '../testing/fakes.js';
import { ProviderConfigError, loadProviderConfig } from './config.js';
import { createProviders } from './factory.js';
import { costOf, parsePrices, totalCost } from './prices.js';
import type { Usage } from './usage.js';

const offline = () => ({ stt: new FakeStt(), brain: new FakeBrain(() => 'offline answer.'), tts: new FakeTts() });

describe('provider configuration', () => {
  it('no variables: every stage offline, policy defaults', () => {
    const c = loadProviderConfig({});
    expect([c.PICHAT_STT, c.PICHAT_LLM, c.PICHAT_TTS]).toEqual(['offline', 'offline', 'offline']);
    expect(c.PICHAT_RETRIES).toBe(2);
    expect(c.PICHAT_STT_GRAMMAR_FIRST).toBe(true);
    const p = createProviders({}, { offline: offline() });
    expect(p.description.stt.provider).toBe('fake-stt');
    expect(p.description.brain.provider).toBe('local-skills');
    expect(p.description.tts.provider).toBe('fake-tts');
  });

  it('lists every problem, naming variables and never echoing secrets', () => {
    let message = '';
    try {
      loadProviderConfig({ PICHAT_LLM: 'azure', PICHAT_TTS: 'elevenlabs', PICHAT_STT: 'azure', PICHAT_RETRIES: 'many', AZURE_SPEECH_KEY: 'secret-speech-key', OPENAI_BASE_URL: 'nope' });
    } catch (err) {
      expect(err).toBeInstanceOf(ProviderConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('PICHAT_RETRIES');
    expect(message).toContain('OPENAI_BASE_URL');
    expect(message).not.toContain('secret-speech-key');
    const ok = () => loadProviderConfig({ PICHAT_LLM: 'azure', PICHAT_TTS: 'elevenlabs', PICHAT_STT: 'azure', AZURE_SPEECH_KEY: 'k' });
    expect(ok).toThrow(/AZURE_OPENAI_ENDPOINT[\s\S]*AZURE_OPENAI_KEY[\s\S]*AZURE_OPENAI_DEPLOYMENT_GPT4[\s\S]*AZURE_SPEECH_REGION[\s\S]*ELEVENLABS_API_KEY/);
  });

  it('an OpenAI-compatible LAN server needs no key; api.openai.com does', () => {
    expect(() => loadProviderConfig({ PICHAT_LLM: 'openai', PICHAT_LLM_BASE_URL: 'http://192.168.1.5:11434/v1', PICHAT_LLM_MODEL: 'llama3.2' })).not.toThrow();
    expect(() => loadProviderConfig({ PICHAT_LLM: 'openai' })).toThrow(/OPENAI_API_KEY/);
  });
});

describe('createProviders against stand-ins', () => {
  let standin: HttpStandin;
  beforeEach(async () => {
    standin = await HttpStandin.start();
  });
  afterEach(async () => {
    await standin.close();
  });

  it('Ollama-style LLM: skills first, LLM for the rest, offline brain when the LLM is down; describes without keys', async () => {
    standin.setHandler((_req, res) => (standin.requests.length === 1 ? streamChat(res, ['From the LLM.'], { usage: [3, 4] }) : errorResponse(res, 401)));
    const usage: Usage[] = [];
    const signals: AbortSignal[] = [];
    const p = createProviders(
      { PICHAT_LLM: 'openai', PICHAT_LLM_BASE_URL: `${standin.url}/v1`, PICHAT_LLM_MODEL: 'llama3.2', PICHAT_LLM_API_KEY: 'k-secret' },
      { offline: offline(), onUsage: (u, s) => (usage.push(u), signals.push(s)) },
    );
    expect(p.description.brain).toEqual({ provider: 'openai-chat', model: 'llama3.2', endpoint: standin.url, fallback: 'local-skills' });
    expect(JSON.stringify(p.description)).not.toContain('k-secret');
    const ctx = { volume: 50, now: new Date() };
    const text = async (t: string, signal = new AbortController().signal) => {
      const r = await p.brain.reply({ text: t, context: ctx }, signal);
      let out = '';
      for await (const d of r.text) out += d;
      return { handler: r.handler, out };
    };
    expect((await text('volume up')).handler).toBe('volume_up');
    const turnSignal = new AbortController().signal;
    expect(await text('why is the sky blue', turnSignal)).toEqual({ handler: 'llm', out: 'From the LLM.' });
    expect(usage).toEqual([{ provider: 'openai-chat', model: 'llama3.2', kind: 'tokens', input: 3, output: 4 }]);
    expect(signals[0]).toBe(turnSignal); // attributed to the caller's signal through the wrappers
    expect(await text('why is the sky blue')).toEqual({ handler: 'fallback', out: 'offline answer.' });
    const reach = await p.probe(1000);
    expect(reach.brain.reachable).toBe(true);
    expect(reach.stt).toEqual({ reachable: true });
  });

  it('cloud STT with grammar first, Azure TTS through ports, OpenAI TTS falls back offline when unreachable', async () => {
    const ports = new FakeAzurePorts();
    const p = createProviders(
      { PICHAT_STT: 'openai', PICHAT_STT_BASE_URL: `${standin.url}/v1`, PICHAT_TTS: 'azure', AZURE_SPEECH_KEY: 'k', AZURE_SPEECH_REGION: 'westeurope', PICHAT_LANGUAGE: 'pl-PL', PICHAT_VOICE_GENDER: 'male' },
      { offline: offline(), azurePorts: ports },
    );
    expect(p.description.stt).toMatchObject({ provider: 'openai-transcribe', model: 'whisper-1', fallback: 'fake-stt' }); // Polish: no English grammar first
    expect(p.description.tts).toMatchObject({ provider: 'azure-speech-tts', model: 'pl-PL-MarekNeural', endpoint: 'https://westeurope.api.cognitive.microsoft.com' });
    expect(p.voiced({ locale: 'en-GB', gender: 'female' })?.name).toBe('azure-speech-tts');
    await p.close();

    const down = createProviders(
      { PICHAT_TTS: 'openai', PICHAT_TTS_BASE_URL: 'http://127.0.0.1:9/v1', PICHAT_RETRIES: '0' },
      { offline: offline() },
    );
    const stream = down.tts.synthesize('Hello.', new AbortController().signal);
    let bytes = 0;
    for await (const c of stream.chunks) bytes += c.byteLength;
    expect(bytes).toBeGreaterThan(0); // the offline voice, resampled to the announced 24 kHz
    expect(stream.format.sampleRateHz).toBe(24000);
    expect((await down.probe(1000)).tts).toMatchObject({ reachable: false, error: 'network' });
    expect(down.voiced({ locale: 'en-GB', gender: 'female' })).toBeUndefined(); // OpenAI keeps its configured voice
  });
});

describe('prices', () => {
  it('parses, defaults per-unit scales, prices exact models before wildcards, sums', () => {
    const prices = parsePrices(
      JSON.stringify([
        { provider: 'openai-chat', model: 'gpt-4o-mini', kind: 'tokens', input: 0.15, output: 0.6 },
        { provider: 'openai-chat', kind: 'tokens', input: 1, output: 2 },
        { provider: 'azure-speech-tts', kind: 'characters', input: 16 },
        { provider: 'openai-transcribe', kind: 'audio_seconds', input: 0.006, per: 60 },
      ]),
    );
    const chat: Usage = { provider: 'openai-chat', model: 'gpt-4o-mini', kind: 'tokens', input: 1_000_000, output: 500_000 };
    expect(costOf(chat, prices)).toBeCloseTo(0.45, 10);
    expect(costOf({ ...chat, model: 'other' }, prices)).toBeCloseTo(2, 10);
    expect(costOf({ provider: 'azure-speech-tts', model: 'v', kind: 'characters', input: 1000, output: 0 }, prices)).toBeCloseTo(0.016, 10);
    expect(costOf({ provider: 'openai-transcribe', model: 'whisper-1', kind: 'audio_seconds', input: 30, output: 0 }, prices)).toBeCloseTo(0.003, 10);
    const unknown: Usage = { provider: 'elevenlabs', model: 'x', kind: 'characters', input: 5, output: 0 };
    const sum = totalCost([chat, unknown], prices);
    expect(sum.total).toBeCloseTo(0.45, 10);
    expect(sum.unpriced).toEqual([unknown]);
  });

  it('rejects bad JSON and bad entries with the variable name', () => {
    expect(parsePrices(undefined)).toEqual([]);
    expect(() => parsePrices('{')).toThrow(/PICHAT_PRICES is not valid JSON/);
    expect(() => parsePrices('[{"provider":"x","kind":"tokens","input":-1}]')).toThrow(/PICHAT_PRICES\[0\.input\]/);
  });
});
