import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChannelMeans } from './channel-means.js';

let dir: string;
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pichat-means-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ChannelMeans', () => {
  it('starts every channel at the initial mean and counts it as one turn', () => {
    const means = new ChannelMeans({ initial: [40, 0] });
    expect(means.get('a')).toEqual([40, 0]);
    means.update('a', [44, -4]);
    expect(means.get('a')).toEqual([42, -2]); // (initial + first turn) / 2
    means.update('a', [45, -3]);
    expect(means.get('a')).toEqual([43, -7 / 3]); // plain average of three
    expect(means.get('b')).toEqual([40, 0]); // channels are apart
  });

  it('becomes a moving average with weight 1/turns once `turns` turns are in', () => {
    const means = new ChannelMeans({ initial: [0], turns: 4 });
    for (let i = 0; i < 3; i++) means.update('a', [8]); // 4 turns counted: (0 + 8 * 3) / 4 = 6
    expect(means.get('a')[0]).toBeCloseTo(6);
    means.update('a', [10]);
    expect(means.get('a')[0]).toBeCloseTo(6 + (10 - 6) / 4);
  });

  it('ignores a mean of the wrong length or with non-finite values', () => {
    const means = new ChannelMeans({ initial: [1, 2] });
    means.update('a', [1]);
    means.update('a', [1, Number.NaN]);
    means.update('a', [1, Number.POSITIVE_INFINITY]);
    expect(means.get('a')).toEqual([1, 2]);
    expect(means.recent()).toBeUndefined();
  });

  it('knows the channel updated last', () => {
    const means = new ChannelMeans({ initial: [0] });
    means.update('a', [1]);
    means.update('b', [1]);
    means.update('a', [1]);
    expect(means.recent()).toBe('a');
  });

  it('forgets the least recently updated channel beyond maxChannels', () => {
    const means = new ChannelMeans({ initial: [0], maxChannels: 2 });
    means.update('a', [2]);
    means.update('b', [2]);
    means.update('a', [2]);
    means.update('c', [2]);
    expect(means.get('b')).toEqual([0]);
    expect(means.get('a')).not.toEqual([0]);
    expect(means.get('c')).toEqual([1]);
  });

  it('keeps the estimates in its file across restarts, written once the tick is over', async () => {
    const file = join(dir, 'sub', 'means.json');
    const first = new ChannelMeans({ initial: [40, 0], file });
    first.update('device:1', [44, -4]);
    first.update('device:1', [45, -3]);
    expect(existsSync(file)).toBe(false); // not between a turn's transcript and its reply
    await nextTick();
    const again = new ChannelMeans({ initial: [40, 0], file });
    expect(again.get('device:1')).toEqual([43, -2.33]); // rounded to 0.01 in the file
    again.update('device:1', [47, -2.33]);
    expect(again.get('device:1')[0]).toBeCloseTo(44); // three turns were kept: the fourth averages in at 1/4
    expect(again.recent()).toBe('device:1');
  });

  it.each([
    ['not JSON', '{"channels": '],
    ['another shape', '[1, 2, 3]'],
    ['a vector of the wrong length', '{"channels": {"a": {"mean": [1], "turns": 2}}}'],
    ['a non-number', '{"channels": {"a": {"mean": [1, "x"], "turns": 2}}}'],
    ['a bad turn count', '{"channels": {"a": {"mean": [1, 2], "turns": 0}}}'],
  ])('ignores a file holding %s and starts again', async (_, text) => {
    const file = join(dir, 'means.json');
    writeFileSync(file, text);
    const means = new ChannelMeans({ initial: [40, 0], file });
    expect(means.get('a')).toEqual([40, 0]);
    means.update('a', [42, 2]);
    await nextTick();
    expect(JSON.parse(readFileSync(file, 'utf8')).channels.a).toEqual({ mean: [41, 1], turns: 2 });
  });

  it('still learns when its file cannot be written', async () => {
    const means = new ChannelMeans({ initial: [0], file: join('/proc', 'pichat-means.json') });
    means.update('a', [2]);
    await nextTick(); // the failed write throws nowhere
    expect(means.get('a')).toEqual([1]);
  });

  it('refuses an initial mean that is empty or not finite', () => {
    expect(() => new ChannelMeans({ initial: [] })).toThrow(RangeError);
    expect(() => new ChannelMeans({ initial: [Number.NaN] })).toThrow(RangeError);
  });
});
