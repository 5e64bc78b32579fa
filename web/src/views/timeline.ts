import { h } from '../dom.js';

/** Stages of a turn as spans between timing marks (ms since the turn started), in the order they happen. */
const STAGES: [label: string, from: string[], to: string[], cls: string][] = [
  ['speaking', ['start'], ['end'], 'st-listen'],
  ['recognition', ['end'], ['sttFinal'], 'st-stt'],
  ['thinking', ['sttFinal', 'start'], ['brainFirstText'], 'st-brain'],
  ['voice', ['brainFirstText'], ['ttsFirstChunk', 'firstAudioSent'], 'st-tts'],
  ['playing', ['firstAudioSent', 'ttsFirstChunk'], ['audioEnd', 'done'], 'st-audio'],
];

function first(t: Record<string, number>, names: string[]): number | undefined {
  for (const n of names) if (t[n] !== undefined) return t[n];
  return undefined;
}

/** A small horizontal timeline of a turn's stage timings, with the numbers readable as text too. */
export function timeline(timings: Record<string, number>): HTMLElement {
  const total = Math.max(1, timings.done ?? Math.max(...Object.values(timings)));
  const bar = h('div', { class: 'timeline-bar', attrs: { 'aria-hidden': 'true' } });
  const parts: string[] = [];
  for (const [label, from, to, cls] of STAGES) {
    const a = first(timings, from);
    const b = first(timings, to);
    if (a === undefined || b === undefined || b < a) continue;
    const seg = h('span', { class: `seg ${cls}`, attrs: { title: `${label}: ${Math.round(b - a)} ms` } });
    seg.style.left = `${(a / total) * 100}%`;
    seg.style.width = `${Math.max(0.5, ((b - a) / total) * 100)}%`;
    bar.appendChild(seg);
    parts.push(`${label} ${Math.round(b - a)} ms`);
  }
  const first_ = timings.firstAudioSent !== undefined && timings.end !== undefined ? ` · first audio ${Math.round(timings.firstAudioSent - timings.end)} ms after release` : '';
  return h('div', { class: 'timeline' }, bar, h('small', { text: `${parts.join(' · ')}${first_} · total ${Math.round(total)} ms` }));
}
