import { bytesForMs, type AudioFormat } from '@pichat/shared';

/** The short sounds the device makes by itself. */
export const EARCONS = ['listening', 'done', 'error', 'offline'] as const;
export type Earcon = (typeof EARCONS)[number];

/** Earcons are made in the speech format every PiChat sink plays (16 kHz mono s16le). */
export const EARCON_FORMAT: AudioFormat = Object.freeze({ encoding: 'pcm_s16le', sampleRateHz: 16000, channels: 1 });

/** One note: a tone gliding from `fromHz` to `toHz` (equal for a steady tone), or a rest when `fromHz` is 0. */
interface Note {
  fromHz: number;
  toHz: number;
  ms: number;
}

/**
 * The score of each earcon, chosen to be told apart without looking: listening rises (go ahead), done falls gently
 * (got it), error is low and doubled, offline falls in three steps. All under 250 ms, so that the listening cue is
 * over before most people start to speak.
 */
const SCORES: Record<Earcon, readonly Note[]> = {
  listening: [{ fromHz: 660, toHz: 990, ms: 90 }],
  done: [
    { fromHz: 880, toHz: 880, ms: 60 },
    { fromHz: 660, toHz: 660, ms: 70 },
  ],
  error: [
    { fromHz: 220, toHz: 220, ms: 110 },
    { fromHz: 0, toHz: 0, ms: 40 },
    { fromHz: 220, toHz: 220, ms: 110 },
  ],
  offline: [
    { fromHz: 660, toHz: 660, ms: 70 },
    { fromHz: 523, toHz: 523, ms: 70 },
    { fromHz: 392, toHz: 392, ms: 90 },
  ],
};

/** Length of the fade at each end of a note, in ms: a hard edge clicks. */
const FADE_MS = 6;

/**
 * Renders an earcon as PCM in `EARCON_FORMAT`, pure and deterministic. `gain` scales the peak (0..1, of full scale
 * times 0.5: earcons should never be louder than speech).
 */
export function renderEarcon(earcon: Earcon, gain: number): Uint8Array {
  const rate = EARCON_FORMAT.sampleRateHz;
  const notes = SCORES[earcon];
  const total = notes.reduce((n, note) => n + bytesForMs(EARCON_FORMAT, note.ms), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const peak = 0.5 * 32767 * Math.min(1, Math.max(0, gain));
  let offset = 0;
  for (const note of notes) {
    const samples = bytesForMs(EARCON_FORMAT, note.ms) / 2;
    const fade = Math.min(Math.floor((FADE_MS * rate) / 1000), Math.floor(samples / 2));
    let phase = 0;
    for (let i = 0; i < samples; i++) {
      const hz = note.fromHz + ((note.toHz - note.fromHz) * i) / samples;
      phase += (2 * Math.PI * hz) / rate;
      const edge = Math.min(1, i / fade, (samples - 1 - i) / fade);
      const envelope = note.fromHz === 0 ? 0 : 0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, edge));
      view.setInt16(offset + i * 2, Math.round(peak * envelope * Math.sin(phase)), true);
    }
    offset += samples * 2;
  }
  return out;
}
