import { describe, expect, it } from 'vitest';
import { DecoderLog } from './decoder-log.js';

// Lines as pocketsphinx 5prealpha (Debian 0.8+5prealpha) writes them.
const UTTERANCE = [
  'INFO: cmn_live.c(120): Update from < 41.00 -5.29 -0.12  5.09  2.48 -4.07 -1.37 -1.78 -5.08 -2.05 -6.45 -1.42  1.17 >',
  'INFO: cmn_live.c(138): Update to   < 43.61 -4.45 -4.86 11.19 -8.19 -0.74  4.11 -22.49 -8.79 -2.60  9.68  4.73 -8.80 >',
  'INFO: fsg_search.c(853): 155 frames, 25099 HMMs (161/fr), 33626 senones (216/fr), 2862 history entries (18/fr)',
  '',
].join('\n');

describe('DecoderLog', () => {
  it('reads the cepstral mean and the frames searched, however the log is cut', () => {
    for (const size of [1, 7, 64, UTTERANCE.length]) {
      const log = new DecoderLog();
      for (let i = 0; i < UTTERANCE.length; i += size) log.push(UTTERANCE.slice(i, i + size));
      expect(log.mean).toEqual([43.61, -4.45, -4.86, 11.19, -8.19, -0.74, 4.11, -22.49, -8.79, -2.6, 9.68, 4.73, -8.8]);
      expect(log.frames).toBe(155);
    }
  });

  it('keeps the last mean and sums the frames of every utterance', () => {
    const log = new DecoderLog();
    log.push(UTTERANCE);
    log.push('INFO: cmn_live.c(138): Update to   < 1 2 3 >\nINFO: fsg_search.c(853): 45 frames, 1 HMMs\n');
    expect(log.mean).toEqual([1, 2, 3]);
    expect(log.frames).toBe(200);
  });

  it('ignores a mangled mean', () => {
    const log = new DecoderLog();
    log.push('INFO: cmn_live.c(138): Update to   < 1 x 3 >\n');
    expect(log.mean).toBeUndefined();
  });

  it('keeps only the tail, bounded, for error messages', () => {
    const log = new DecoderLog(100);
    log.push('x'.repeat(1000));
    log.push('\nERROR: "acmod.c", line 83: Folder does not exist\n');
    expect(log.tail.length).toBeLessThanOrEqual(100);
    expect(log.tail).toContain('Folder does not exist');
  });
});
