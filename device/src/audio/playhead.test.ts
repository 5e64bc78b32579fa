import { describe, expect, it } from 'vitest';
import { Playhead } from './playhead.js';

describe('Playhead', () => {
  it('plays queued audio back to back from the first hand-over', () => {
    let t = 1000;
    const p = new Playhead(() => t);
    p.add(100);
    t += 10;
    p.add(100); // queued behind the first
    expect(p.heardMs()).toBe(10);
    t += 150;
    expect(p.heardMs()).toBe(160);
    expect(p.aheadMs()).toBe(40);
    t += 500;
    expect(p.heardMs()).toBe(200);
    expect(p.handedMs).toBe(200);
  });

  it('an underrun is a gap in which nothing plays', () => {
    let t = 0;
    const p = new Playhead(() => t);
    p.add(50);
    t = 200; // the device ran dry at 50
    p.add(50);
    expect(p.heardMs()).toBe(50);
    t = 230;
    expect(p.heardMs()).toBe(80);
    t = 1000;
    expect(p.heardMs()).toBe(100);
  });
});
