import { describe, expect, test } from 'vitest';
import type { AudioFormat } from './format.js';
import { WavError, decodeWav, encodeWav, wavHeader } from './wav.js';

const mono16k: AudioFormat = { encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 };
const stereo44k: AudioFormat = { encoding: 'pcm_s16le', sampleRateHz: 44100, channels: 2 };

function pcmOf(samples: number[]): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return out;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}

function chunk(id: string, body: number[] | Uint8Array, declaredSize = body.length): number[] {
  const bytes = [...ascii(id), ...u32(declaredSize), ...body];
  if (body.length % 2 === 1) bytes.push(0); // RIFF pads odd chunks
  return bytes;
}

function fmtBody(f: { tag?: number; channels?: number; rate?: number; bits?: number }): number[] {
  const channels = f.channels ?? 1;
  const rate = f.rate ?? 16000;
  const bits = f.bits ?? 16;
  const align = (channels * bits) / 8;
  return [...u16(f.tag ?? 1), ...u16(channels), ...u32(rate), ...u32(rate * align), ...u16(align), ...u16(bits)];
}

/** WAVE_FORMAT_EXTENSIBLE fmt body (40 bytes) with the given subformat code (1 = PCM, 3 = float). */
function extensibleBody(subFormat: number, channels = 1, rate = 16000): number[] {
  const guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
  return [
    ...fmtBody({ tag: 0xfffe, channels, rate }),
    ...u16(22), // cbSize
    ...u16(16), // valid bits
    ...u32(channels === 1 ? 0x4 : 0x3), // channel mask
    ...u16(subFormat),
    ...guidTail,
  ];
}

function riff(chunks: number[][]): Uint8Array {
  const body = chunks.flat();
  return new Uint8Array([...ascii('RIFF'), ...u32(4 + body.length), ...ascii('WAVE'), ...body]);
}

const samples = [0, 1, -1, 32767, -32768, 1234, -4321, 100];

describe('WAV encode/decode', () => {
  test('the canonical header is 44 bytes with the right fields', () => {
    const header = wavHeader(stereo44k, 1000);
    const view = new DataView(header.buffer);
    expect(header.byteLength).toBe(44);
    expect(String.fromCharCode(...header.subarray(0, 4))).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(1036);
    expect(String.fromCharCode(...header.subarray(8, 16))).toBe('WAVEfmt ');
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(2);
    expect(view.getUint32(24, true)).toBe(44100);
    expect(view.getUint32(28, true)).toBe(44100 * 4);
    expect(view.getUint16(32, true)).toBe(4);
    expect(view.getUint16(34, true)).toBe(16);
    expect(String.fromCharCode(...header.subarray(36, 40))).toBe('data');
    expect(view.getUint32(40, true)).toBe(1000);
  });

  test.each([mono16k, stereo44k, { ...mono16k, sampleRateHz: 8000 }, { ...mono16k, sampleRateHz: 48000 }])(
    'round trip %o',
    (format) => {
      const pcm = pcmOf(samples);
      const wav = encodeWav(format, pcm);
      expect(wav.byteLength).toBe(44 + pcm.byteLength);
      const decoded = decodeWav(wav);
      expect(decoded.format).toEqual(format);
      expect([...decoded.pcm]).toEqual([...pcm]);
    },
  );

  test('an empty WAV round-trips', () => {
    const decoded = decodeWav(encodeWav(mono16k, new Uint8Array(0)));
    expect(decoded.format).toEqual(mono16k);
    expect(decoded.pcm.byteLength).toBe(0);
  });

  test('decodes from a view into a larger buffer (byteOffset ≠ 0)', () => {
    const wav = encodeWav(mono16k, pcmOf(samples));
    const big = new Uint8Array(wav.byteLength + 10);
    big.set(wav, 7);
    const decoded = decodeWav(big.subarray(7, 7 + wav.byteLength));
    expect([...decoded.pcm]).toEqual([...pcmOf(samples)]);
  });

  test('the decoded PCM is a view, not a copy', () => {
    const wav = encodeWav(mono16k, pcmOf(samples));
    expect(decodeWav(wav).pcm.buffer).toBe(wav.buffer);
  });
});

describe('WAV files from other writers', () => {
  const pcm = pcmOf(samples);

  test('LIST (odd size, padded) and fact chunks before data are skipped', () => {
    const list = ascii('INFOISFT\x05\x00\x00\x00Lavf\x00'); // 17 bytes: odd, padded to 18
    expect(list.length % 2).toBe(1);
    const wav = riff([chunk('fmt ', fmtBody({})), chunk('LIST', list), chunk('fact', u32(8)), chunk('data', pcm)]);
    const decoded = decodeWav(wav);
    expect(decoded.format).toEqual(mono16k);
    expect([...decoded.pcm]).toEqual([...pcm]);
  });

  test('a chunk after data is not read as audio', () => {
    const wav = riff([chunk('fmt ', fmtBody({})), chunk('data', pcm), chunk('LIST', ascii('INFOjunk'))]);
    expect([...decodeWav(wav).pcm]).toEqual([...pcm]);
  });

  test('an 18-byte fmt chunk (cbSize = 0) is accepted', () => {
    const wav = riff([chunk('fmt ', [...fmtBody({}), ...u16(0)]), chunk('data', pcm)]);
    expect(decodeWav(wav).format).toEqual(mono16k);
  });

  test('WAVE_FORMAT_EXTENSIBLE with a PCM subformat is accepted', () => {
    const wav = riff([chunk('fmt ', extensibleBody(1, 2, 48000)), chunk('data', pcm)]);
    expect(decodeWav(wav).format).toEqual({ encoding: 'pcm_s16le', sampleRateHz: 48000, channels: 2 });
  });

  test('WAVE_FORMAT_EXTENSIBLE with a float subformat is rejected', () => {
    expect(() => decodeWav(riff([chunk('fmt ', extensibleBody(3)), chunk('data', pcm)]))).toThrow(WavError);
  });

  test.each([
    ['0xFFFFFFFF (arecord/sox to a pipe)', 0xffffffff],
    ['0', 0],
    ['0x7FFFFFFF', 0x7fffffff],
    ['larger than the file', pcm.length + 1000],
  ])('a streaming data size of %s takes the rest of the file', (_name, size) => {
    const wav = riff([chunk('fmt ', fmtBody({})), chunk('data', pcm, size)]);
    expect([...decodeWav(wav).pcm]).toEqual([...pcm]);
  });

  test('a file cut mid-data yields the whole samples that arrived', () => {
    const wav = encodeWav(mono16k, pcm);
    const cut = wav.subarray(0, 44 + 7); // 3 whole samples and half of the fourth
    expect([...decodeWav(cut).pcm]).toEqual([...pcm.subarray(0, 6)]);
  });

  test('an odd trailing byte is dropped; stereo keeps whole frames only', () => {
    const odd = new Uint8Array([...pcm, 0x7f]);
    expect(decodeWav(riff([chunk('fmt ', fmtBody({})), chunk('data', odd)])).pcm.byteLength).toBe(pcm.byteLength);
    const stereo = riff([chunk('fmt ', fmtBody({ channels: 2 })), chunk('data', pcm.subarray(0, 14))]);
    expect(decodeWav(stereo).pcm.byteLength).toBe(12);
  });
});

describe('WAV files that are rejected', () => {
  const pcm = pcmOf(samples);

  test.each([
    ['empty', new Uint8Array(0)],
    ['too short', new Uint8Array(ascii('RIFF'))],
    ['not RIFF', new Uint8Array([...ascii('RIFX'), ...u32(4), ...ascii('WAVE')])],
    ['RIFF but not WAVE', new Uint8Array([...ascii('RIFF'), ...u32(4), ...ascii('AVI ')])],
    ['raw PCM', pcmOf(new Array(64).fill(1000))],
  ])('%s is not a WAV', (_name, bytes) => {
    expect(() => decodeWav(bytes)).toThrow(/not a RIFF\/WAVE/);
  });

  test.each([
    ['8-bit PCM', fmtBody({ bits: 8 })],
    ['24-bit PCM', fmtBody({ bits: 24 })],
    ['32-bit float', fmtBody({ tag: 3, bits: 32 })],
    ['A-law', fmtBody({ tag: 6, bits: 8 })],
    ['µ-law', fmtBody({ tag: 7, bits: 8 })],
    ['ADPCM', fmtBody({ tag: 2, bits: 4 })],
  ])('%s is rejected as unsupported', (_name, fmt) => {
    expect(() => decodeWav(riff([chunk('fmt ', fmt), chunk('data', pcm)]))).toThrow(/unsupported WAV encoding/);
  });

  test.each([
    ['3 channels', fmtBody({ channels: 3 }), /channel count 3/],
    ['0 channels', fmtBody({ channels: 0 }), /channel count 0/],
    ['96 kHz', fmtBody({ rate: 96000 }), /sample rate 96000/],
    ['4 kHz', fmtBody({ rate: 4000 }), /sample rate 4000/],
  ])('%s is rejected', (_name, fmt, message) => {
    expect(() => decodeWav(riff([chunk('fmt ', fmt), chunk('data', pcm)]))).toThrow(message);
  });

  test('no fmt chunk', () => {
    expect(() => decodeWav(riff([chunk('LIST', ascii('INFO'))]))).toThrow(/no fmt chunk/);
  });

  test('no data chunk', () => {
    expect(() => decodeWav(riff([chunk('fmt ', fmtBody({}))]))).toThrow(/no data chunk/);
  });

  test('data before fmt', () => {
    expect(() => decodeWav(riff([chunk('data', pcm), chunk('fmt ', fmtBody({}))]))).toThrow(/before fmt/);
  });

  test('a fmt chunk smaller than 16 bytes', () => {
    expect(() => decodeWav(riff([chunk('fmt ', fmtBody({}).slice(0, 14)), chunk('data', pcm)]))).toThrow(WavError);
  });

  test.each([
    ['a plain fmt chunk', 10, fmtBody({})],
    ['an extensible fmt chunk', 20, extensibleBody(1)],
    ['an extensible fmt chunk', 25, extensibleBody(1)],
  ])('a file cut inside %s (after %i bytes) throws WavError, not RangeError', (_name, keep, fmt) => {
    const full = riff([chunk('fmt ', fmt)]);
    const cut = full.subarray(0, 12 + 8 + keep);
    expect(() => decodeWav(cut)).toThrow(WavError);
  });

  test('a chunk with a huge declared size before data ends the search cleanly', () => {
    const wav = riff([chunk('fmt ', fmtBody({})), chunk('LIST', ascii('INFO'), 0xfffffff0), chunk('data', pcm)]);
    expect(() => decodeWav(wav)).toThrow(/no data chunk/);
  });
});
