import { SPEECH_FORMAT, type AudioFormat, type ServerMessage } from '@pichat/shared';
import type { TurnProviders, TurnResult } from '../pipeline/turn.js';
import { Turn } from '../pipeline/turn.js';
import { noticeBrain, type RealtimeRoute } from '../realtime/service.js';
import type { VoiceTurn } from '../realtime/turn.js';
import type { TurnObserver, TurnRecorder } from './recorder.js';

/**
 * The recogniser's channel for audio from the web chat (see SttStartOptions): one per browser that names itself
 * (`voice_start`'s `browser_id`, kept by the page in its local storage), since each has its own microphone; `web` for
 * the rest (one-shot `speech_to_text`, clients of the earlier protocol).
 */
export const WEB_CHANNEL = 'web';

/** The channel of a browser's own microphone. */
export function browserChannel(browserId: string | undefined): string {
  return browserId ? `${WEB_CHANNEL}:${browserId}` : WEB_CHANNEL;
}

/** Formats a browser plays through Web Audio: any rate, mono 16-bit PCM (the page converts to float). */
export const BROWSER_PLAYBACK: readonly AudioFormat[] = [16000, 22050, 24000, 44100, 48000].map((sampleRateHz) => ({
  encoding: 'pcm_s16le' as const,
  sampleRateHz,
  channels: 1,
}));

export interface VoiceTransport {
  /** A turn message for the page (wrapped by the caller as `{action: "voice", payload: message}`). */
  send(message: ServerMessage): void;
  /** Reply audio as a binary frame; resolves when the socket can take more. */
  sendAudio(chunk: Uint8Array): Promise<void>;
}

/**
 * A push-to-talk turn from the browser's microphone, through the same turn as a device's: PCM frames in
 * (16 kHz mono s16le, what the page's AudioWorklet produces), transcript, streamed reply text, reply audio out to
 * the page, recorded in the conversation the page has open. `route` says whether the pipeline (STT → brain → TTS,
 * with a one-time notice when realtime was chosen but cannot run) or a realtime session answers; the messages to
 * the page are the same either way.
 */
export class BrowserVoiceTurn {
  readonly turn: VoiceTurn;
  readonly observer: TurnObserver;
  private readonly maxTurnMs: number;
  private result: Promise<TurnResult> | undefined;

  constructor(
    providers: TurnProviders,
    recorder: TurnRecorder,
    transport: VoiceTransport,
    options: { turnId: string; conversationId?: string; maxTurnMs: number; route?: RealtimeRoute; browserId?: string },
  ) {
    this.observer = recorder.begin({ source: 'web', ...(options.conversationId ? { conversationId: options.conversationId } : {}) }, options.turnId);
    const observer = this.observer;
    const sink = {
      send: (message: ServerMessage) => {
        transport.send(message);
        observer.sent(message);
      },
      sendAudio: (chunk: Uint8Array) => transport.sendAudio(chunk),
    };
    const turnOptions = {
      id: options.turnId,
      format: SPEECH_FORMAT,
      channel: browserChannel(options.browserId),
      playback: BROWSER_PLAYBACK,
      context: { volume: 100 },
      onAction: (action: Parameters<TurnObserver['action']>[0]) => observer.action(action),
    };
    const route = options.route ?? { kind: 'pipeline' };
    if (route.kind === 'realtime') {
      this.turn = route.session.startTurn(sink, turnOptions);
    } else {
      let wrapped = observer.providers(providers);
      if (route.notice) wrapped = { ...wrapped, brain: noticeBrain(wrapped.brain, route.notice) };
      this.turn = new Turn(wrapped, sink, turnOptions);
    }
    this.maxTurnMs = options.maxTurnMs;
  }

  get id(): string {
    return this.turn.id;
  }

  /** Pushes microphone PCM; ends the turn by itself at the length limit. Returns false when the frame was refused. */
  write(pcm: Uint8Array): boolean {
    if (!this.turn.isListening || pcm.byteLength % 2 !== 0) return false;
    this.turn.write(pcm);
    if (this.turn.audioInMs >= this.maxTurnMs) void this.end();
    return true;
  }

  get audioInMs(): number {
    return this.turn.audioInMs;
  }

  /** Where this turn is answered. */
  get handledBy(): 'pipeline' | 'realtime' {
    return this.turn instanceof Turn ? 'pipeline' : 'realtime';
  }

  end(): Promise<TurnResult> {
    this.result ??= this.turn.end().then((result) => {
      this.observer.finished(result);
      return result;
    });
    return this.result;
  }

  cancel(): Promise<TurnResult> {
    void this.turn.abort('cancelled');
    return this.end();
  }

  supersede(): Promise<TurnResult> {
    void this.turn.abort('superseded');
    return this.end();
  }
}

