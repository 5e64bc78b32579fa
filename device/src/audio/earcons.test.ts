import { durationMs, level, memoryLogger } from '@pichat/shared';
import { describe, expect, it } from 'vitest';
import { FakeSink } from '../testing/fakes.js';
import { EarconPlayer } from './earcon-player.js';
import { EARCON_FORMAT, EARCONS, renderEarcon } from './earcons.js';

const FORMAT = { encoding: 'pcm_s16le' as const, sampleRateHz: 22050, channels: 1 };
const samples = (pcm: Uint8Array) => new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);

describe('earcons', () => {
  it('are short, distinct, start and end at silence, and scale with the gain', () => {
    const rendered = EARCONS.map((e) => renderEarcon(e, 1));
    for (const pcm of rendered) {
      const ms = durationMs(EARCON_FORMAT, pcm.byteLength);
      expect(ms).toBeGreaterThan(60);
      expect(ms).toBeLessThanOrEqual(260);
      const s = samples(pcm);
      expect(Math.abs(s[0]!)).toBeLessThan(50); // faded in: no click
      expect(Math.abs(s.at(-1)!)).toBeLessThan(200);
      expect(level(pcm).peak).toBeGreaterThan(0.4);
      expect(level(pcm).peak).toBeLessThanOrEqual(0.51);
    }
    const keys = new Set(rendered.map((p) => Buffer.from(p).toString('base64')));
    expect(keys.size).toBe(EARCONS.length);
    expect(level(renderEarcon('done', 0.25)).peak).toBeCloseTo(level(renderEarcon('done', 1)).peak / 4, 2);
    expect(renderEarcon('error', 1)).toEqual(renderEarcon('error', 1)); // deterministic
  });
});

describe('EarconPlayer', () => {
  function setup(levelPercent = 100, volume = 100) {
    const sink = new FakeSink();
    const player = new EarconPlayer({ sink, levelPercent, volume: () => volume, log: memoryLogger() });
    return { sink, player };
  }

  it('plays an earcon on the sink in the earcon format, at the device volume', () => {
    const { sink, player } = setup(100, 50);
    player.play('listening');
    expect(sink.last!.format).toEqual(EARCON_FORMAT);
    expect(sink.last!.finished).toBe(true);
    expect(level(sink.last!.written[0]!).peak).toBeCloseTo(0.5 * 0.25, 2);
  });

  it('a reply silences the earcon; earcons during a reply are skipped; after it they play again', async () => {
    const { sink, player } = setup();
    player.play('listening');
    const earcon = sink.last!;
    const reply = player.open(FORMAT);
    expect(earcon.stopped).toBe(true);
    player.play('done');
    expect(sink.opened).toHaveLength(2);
    const finished = reply.finish();
    sink.opened[1]!.drain();
    await finished;
    player.play('error');
    expect(sink.opened).toHaveLength(3);
  });

  it('a new earcon cuts the previous; level 0 turns earcons off', () => {
    const { sink, player } = setup();
    player.play('offline');
    player.play('offline');
    expect(sink.opened[0]!.stopped).toBe(true);
    const off = setup(0);
    off.player.play('error');
    expect(off.sink.opened).toHaveLength(0);
  });
});
