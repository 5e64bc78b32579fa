import { describe, expect, it } from 'vitest';
import { frame, harness } from '../testing/daemon-harness.js';

const FORMAT = { encoding: 'pcm_s16le' as const, sampleRateHz: 16000, channels: 1 };

/** A daemon that is playing the reply of turn t1. */
function speaking() {
  const h = harness();
  h.link.goUp();
  h.daemon.press();
  h.daemon.release();
  h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
  h.link.serverSendsAudio(frame());
  return h;
}

describe('barge-in', () => {
  it('a press while speaking silences playback, reports what was heard, then starts the new turn', () => {
    const h = speaking();
    const playback = h.sink.last!;
    playback.heardMs = 1234.4;

    h.daemon.press();

    expect(playback.stopped).toBe(true);
    expect(h.daemon.state).toBe('listening');
    expect(h.source.running).toBe(true);
    // playback.done goes before turn.start, so the server can store what was heard before it aborts the old turn.
    expect(h.link.sentKinds.slice(-2)).toEqual(['playback.done', 'turn.start']);
    expect(h.link.sentOf('playback.done')).toEqual([
      { type: 'playback.done', turnId: 't1', heardMs: 1234, interrupted: true },
    ]);
    expect(h.link.sentOf('turn.start').map((m) => m.turnId)).toEqual(['t1', 't2']);
    // The pre-roll heard the reply from the speaker, not the user: the new turn does not start with it.
    expect(h.source.forgets).toBe(1);
  });

  it('drops audio of the interrupted turn that is still on its way', () => {
    const h = speaking();
    const old = h.sink.last!;
    h.daemon.press();
    h.link.serverSendsAudio(frame());
    h.link.serverSends({ type: 'audio.end', turnId: 't1' });
    h.link.serverSends({ type: 'turn.done', turnId: 't1', outcome: 'superseded', timings: {} });
    expect(old.written).toHaveLength(1);
    expect(h.sink.opened).toHaveLength(1);
    expect(h.daemon.state).toBe('listening');
    expect(h.link.sentOf('playback.done')).toHaveLength(1);
  });

  it('ignores a late audio.start of a stale turn and its audio, then plays the current one', () => {
    const h = harness();
    h.link.goUp();
    h.daemon.press();
    h.daemon.release();
    h.daemon.press(); // t2 supersedes t1 while thinking
    h.daemon.release();
    h.link.serverSends({ type: 'audio.start', turnId: 't1', format: FORMAT });
    h.link.serverSendsAudio(frame());
    expect(h.sink.opened).toHaveLength(0);
    expect(h.daemon.state).toBe('thinking');

    h.link.serverSends({ type: 'audio.start', turnId: 't2', format: FORMAT });
    h.link.serverSendsAudio(frame(7));
    expect(h.sink.opened).toHaveLength(1);
    expect(h.sink.last!.written).toHaveLength(1);
    expect(h.daemon.state).toBe('speaking');
  });

  it('binary audio belongs to the most recent audio.start', () => {
    const h = speaking();
    // The server starts a stream for another turn: frames after it are not ours, even while we still play t1.
    h.link.serverSends({ type: 'audio.start', turnId: 'someone-else', format: FORMAT });
    h.link.serverSendsAudio(frame());
    expect(h.sink.last!.written).toHaveLength(1);
  });

  it('a press while thinking starts a new turn at once', () => {
    const h = harness();
    h.link.goUp();
    h.daemon.press();
    h.daemon.release();
    h.daemon.press();
    expect(h.daemon.state).toBe('listening');
    expect(h.daemon.currentTurnId).toBe('t2');
    expect(h.source.starts).toBe(2);
  });
});
