import { Daemon, type DaemonOptions } from '../daemon/daemon.js';
import type { DeviceState, Feedback } from '../daemon/state.js';
import type { Link } from '../daemon/ports.js';
import { memoryLogger } from '@pichat/shared';
import { FakeLink, FakeSink, FakeSource } from './fakes.js';

/**
 * A daemon on fakes, with everything it reports recorded. Turn ids are t1, t2, … Pass `link` (e.g. a real WsLink) or
 * `log` to use your own; the daemon is started, the link is not.
 */
export function harness<L extends Link = FakeLink>(
  overrides: Partial<Omit<DaemonOptions, 'link' | 'log'>> & { link?: L; log?: ReturnType<typeof memoryLogger> } = {},
) {
  const source = new FakeSource();
  const sink = new FakeSink();
  const link = overrides.link ?? (new FakeLink() as Link as L);
  const log = overrides.log ?? memoryLogger();
  const states: DeviceState[] = [];
  const feedback: Feedback[] = [];
  const volumes: number[] = [];
  let n = 0;
  const daemon = new Daemon({
    source,
    sink,
    volume: 100,
    maxTurnMs: 30_000,
    replyTimeoutMs: 15_000,
    errorHoldMs: 2000,
    newTurnId: () => `t${++n}`,
    onState: (s) => states.push(s),
    onFeedback: (f) => feedback.push(f),
    onVolume: (v) => volumes.push(v),
    ...overrides,
    link,
    log,
  });
  daemon.start();
  return { daemon, source, sink, link, log, states, feedback, volumes };
}

/** A frame of 20 ms of 16 kHz mono s16le with every sample set to `value`. */
export function frame(value = 1000, bytes = 640): Uint8Array {
  const b = new Uint8Array(bytes);
  const v = new DataView(b.buffer);
  for (let i = 0; i < bytes; i += 2) v.setInt16(i, value, true);
  return b;
}
