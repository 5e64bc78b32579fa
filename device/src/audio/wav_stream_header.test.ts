import { encodeWav, SPEECH_FORMAT } from '@pichat/shared';
import { describe, expect, it } from 'vitest';
import { WavStreamHeader } from './wav-stream-header.js';

describe('WavStreamHeader', () => {
  const pcm = new Uint8Array(Array.from({ length: 100 }, (_, i) => i));

  it('strips a header that arrives in pieces, whatever the split', () => {
    const wav = encodeWav(SPEECH_FORMAT, pcm);
    for (const split of [1, 3, 4, 11, 12, 43, 44, 45, 80]) {
      const h = new WavStreamHeader();
      const out = [...h.push(wav.subarray(0, split)), ...h.push(wav.subarray(split))];
      expect(out).toEqual([...pcm]);
    }
  });

  it('passes raw audio through untouched, even when it starts like "RI"', () => {
    const h = new WavStreamHeader();
    expect([...h.push(new Uint8Array([0x52, 0x49, 0x00, 0x01]))]).toEqual([0x52, 0x49, 0x00, 0x01]);
    const raw = new WavStreamHeader();
    expect([...raw.push(pcm)]).toEqual([...pcm]);
  });

  it('skips extra chunks before data (LIST)', () => {
    const wav = encodeWav(SPEECH_FORMAT, pcm);
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 4, 0, 0, 0, 1, 2, 3, 4]);
    const withList = new Uint8Array([...wav.subarray(0, 36), ...list, ...wav.subarray(36)]);
    expect([...new WavStreamHeader().push(withList)]).toEqual([...pcm]);
  });
});
