import { level } from '@pichat/shared';
import { describe, expect, it } from 'vitest';
import { clampVolume, volumeToGain } from '../audio/volume.js';
import { frame, harness } from '../testing/daemon-harness.js';

const FORMAT = { encoding: 'pcm_s16le' as const, sampleRateHz: 16000, channels: 1 };

describe('volume', () => {
  it('maps percent to gain with a square law, clamped', () => {
    expect(volumeToGain(100)).toBe(1);
    expect(volumeToGain(50)).toBe(0.25);
    expect(volumeToGain(0)).toBe(0);
    expect(volumeToGain(140)).toBe(1);
    expect(clampVolume(-3)).toBe(0);
    expect(clampVolume(Number.NaN)).toBe(0);
    expect(clampVolume(42.6)).toBe(43);
  });

  it('a control message changes the gain of the audio that follows, even mid-reply', () => {
    const h = harness({ volume: 100 });
    h.link.goUp();
    h.daemon.press();
    h.daemon.release();
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
    h.link.serverSendsAudio(frame(10_000));
    h.link.serverSends({ type: 'control', volume: 50 });
    h.link.serverSendsAudio(frame(10_000));

    const [first, second] = h.sink.last!.written;
    expect(level(first!).peak).toBeCloseTo(10_000 / 32768, 4);
    expect(level(second!).peak).toBeCloseTo(2500 / 32768, 4);
    expect(h.daemon.volume).toBe(50);
    expect(h.volumes).toEqual([50]);
    expect(h.feedback).toContain('volume');
  });

  it('works in any state and ignores a control without a volume', () => {
    const h = harness({ volume: 30 });
    h.link.goUp();
    h.link.serverSends({ type: 'control' });
    expect(h.daemon.volume).toBe(30);
    h.link.serverSends({ type: 'control', volume: 0 });
    expect(h.daemon.volume).toBe(0);
    expect(h.daemon.state).toBe('idle');
  });
});
