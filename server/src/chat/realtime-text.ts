import { SPEECH_FORMAT } from '@pichat/shared';
import type { TurnResult, TurnSink } from '../pipeline/turn.js';
import type { RealtimeSession } from '../realtime/session.js';
import type { TurnObserver } from './recorder.js';

/**
 * A typed web chat message answered by a realtime session: the user's words go up as a text item, the model answers
 * in text only, and the answer streams to the recorder as `reply.delta`s (live `reply_delta` to every browser), the
 * same as a pipeline text turn. Reply audio is not produced; a local skill's or a failure's spoken words are dropped
 * (the page speaks the text itself when it asked for audio). Aborted by `signal` (reply timeout, shutdown).
 * Resolves with the turn's result, its cost included when the model reported usage before the end.
 */
export async function realtimeTextTurn(
  session: RealtimeSession,
  observer: TurnObserver,
  request: { turnId: string; text: string; signal: AbortSignal },
): Promise<TurnResult> {
  const sink: TurnSink = { send: (message) => observer.sent(message), sendAudio: () => Promise.resolve() };
  const turn = session.startTextTurn(
    sink,
    { id: request.turnId, format: SPEECH_FORMAT, playback: [SPEECH_FORMAT], context: { volume: 50 }, onAction: (action) => observer.action(action) },
    request.text,
  );
  const stop = (): void => void turn.abort('cancelled');
  if (request.signal.aborted) stop();
  else request.signal.addEventListener('abort', stop, { once: true });
  try {
    return await turn.end();
  } finally {
    request.signal.removeEventListener('abort', stop);
  }
}
