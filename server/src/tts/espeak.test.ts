import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LinearResampler, SPEECH_FORMAT, level, wavHeader } from '@pichat/shared';
import { compileSkills, defaultSkills } from '../skills/index.js';
import { PocketsphinxStt } from '../stt/pocketsphinx.js';
import { EspeakTts, TtsError, WavStreamParser } from './espeak.js';

const LONG =
  'This is a fairly long sentence, spoken by the embedded voice, so that espeak produces its audio in several pieces ' +
  'while it is still working on the rest of the text, which we check by counting the chunks.';

function descendantsOf(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] !== 'Z') parent.set(Number(e), Number(f[1]));
    } catch {
      // gone
    }
  }
  return [...parent].filter(([, ppid]) => ppid === root).map(([pid]) => pid);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

const join = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.byteLength));
  return out;
};

describe('espeak-ng text-to-speech', () => {
  it('streams a long sentence in more than one chunk of whole samples, at speech level', async () => {
    const tts = new EspeakTts();
    const stream = tts.synthesize(LONG, new AbortController().signal);
    expect(stream.format).toEqual({ encoding: 'pcm_s16le', sampleRateHz: 22050, channels: 1 });
    const chunks = await collect(stream.chunks);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.byteLength % 2).toBe(0);
    const pcm = join(chunks);
    expect(pcm.byteLength / 2 / 22050).toBeGreaterThan(5); // seconds of audio
    expect(level(pcm).rmsDb).toBeGreaterThan(-30);
  });

  it('says what it was given: its audio transcribes back', async () => {
    const compiled = compileSkills(defaultSkills());
    const stt = new PocketsphinxStt({ skills: compiled, prespawn: false });
    try {
      const tts = new EspeakTts({ voice: 'en-us', wordsPerMinute: 150 });
      const stream = tts.synthesize('set the volume to fifty percent', new AbortController().signal);
      const resampler = new LinearResampler(stream.format, 16000);
      const recognition = stt.start({ format: SPEECH_FORMAT, signal: new AbortController().signal });
      for await (const chunk of stream.chunks) recognition.write(resampler.push(chunk));
      recognition.write(new Uint8Array(16000)); // trailing silence
      expect(await recognition.finish()).toEqual({ text: 'set the volume to fifty percent' });
    } finally {
      stt.close();
    }
  });

  it('an abort kills espeak-ng and ends the stream without an error', async () => {
    const tts = new EspeakTts();
    const controller = new AbortController();
    const stream = tts.synthesize(`${LONG} ${LONG} ${LONG} ${LONG}`, controller.signal);
    const iterator = stream.chunks[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    const children = descendantsOf(process.pid);
    controller.abort();
    const rest: Uint8Array[] = [];
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      rest.push(next.value);
    }
    expect(rest.length).toBeLessThan(3);
    expect(descendantsOf(process.pid).filter((p) => children.includes(p))).toEqual([]);
  });

  it('a missing binary is a typed error from the stream', async () => {
    const tts = new EspeakTts({ binary: '/nonexistent/espeak-ng' });
    const error = await collect(tts.synthesize('hello', new AbortController().signal).chunks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TtsError);
    expect(error).toMatchObject({ code: 'tts_failed', retryable: false });
  });

  it('empty text or an aborted signal yields nothing', async () => {
    const tts = new EspeakTts();
    expect(await collect(tts.synthesize('  ', new AbortController().signal).chunks)).toEqual([]);
    expect(await collect(tts.synthesize('hello', AbortSignal.abort()).chunks)).toEqual([]);
  });
});

describe('streaming WAV parser', () => {
  const format = { encoding: 'pcm_s16le', sampleRateHz: 22050, channels: 1 } as const;

  it('finds the data after the header, across arbitrary splits, and keeps samples whole', () => {
    const header = wavHeader(format, 0x7fffffff);
    const bytes = new Uint8Array([...header, 1, 2, 3, 4, 5, 6, 7]);
    for (let split = 1; split < bytes.byteLength; split++) {
      const parser = new WavStreamParser(format);
      const a = parser.push(bytes.subarray(0, split));
      const b = parser.push(bytes.subarray(split));
      expect([...a, ...b]).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('rejects another format and non-WAV output', () => {
    expect(() => new WavStreamParser(format).push(wavHeader({ ...format, sampleRateHz: 16000 }, 0))).toThrow(TtsError);
    expect(() => new WavStreamParser(format).push(new TextEncoder().encode('not a wav file at all'))).toThrow(TtsError);
  });
});
