import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SPEECH_FORMAT } from '@pichat/shared';
import { eventually } from '../../../test/support/eventually.js';
import { compileSkills, defaultSkills } from '../skills/index.js';
import { PocketsphinxStt, SttError, type PocketsphinxOptions } from './pocketsphinx.js';

const compiled = compileSkills(defaultSkills());
let dir: string;
let stt: PocketsphinxStt;

/** Renders `text` with espeak-ng as 16 kHz mono s16le, with 300 ms of silence before and 500 ms after. */
function speech(text: string, voice = 'en-us', wordsPerMinute = 150): Uint8Array {
  const wav = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '-w', wav, text]);
  return execFileSync('sox', ['-R', wav, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', 'pad', '0.3', '0.5']);
}

/** A process's command line, arguments joined by spaces ('' once it is gone). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Pids of every live descendant of `root` (default: this process), from /proc. */
function descendants(root = process.pid): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parent.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, ppid] of parent) if (ppid === pid) (out.push(child), walk(child));
  };
  walk(root);
  return out;
}

async function recognise(engine: PocketsphinxStt, pcm: Uint8Array, signal = new AbortController().signal, channel?: string) {
  const stream = engine.start({ format: SPEECH_FORMAT, signal, ...(channel !== undefined ? { channel } : {}) });
  for (let i = 0; i < pcm.byteLength; i += 1280) stream.write(pcm.subarray(i, i + 1280));
  return stream.finish();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pichat-stt-test-'));
  stt = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'grammar') }); // as the server builds it
});

afterAll(() => {
  stt.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pocketsphinx speech-to-text (real pocketsphinx, espeak-ng speech)', () => {
  // Commands this voice says clearly at 130-170 words/min: the path from audio to text, not the hit rate (the
  // benchmark's job). "what's the date today" at 150 sits on the edge (rejected at 130) and was dropped for that.
  it.each([
    ['what time is it', 'what time is it'],
    ['set the volume to fifty percent', 'set the volume to fifty percent'],
    ["what's today's date", "what's today's date"],
  ])('hears the command %j', async (said, expected) => {
    expect(await recognise(stt, speech(said))).toEqual({ text: expected });
  });

  it.each([
    ['a quiet microphone (-25 dB)', 10 ** (-25 / 20)],
    ['a hot microphone (+6 dB, clipping)', 2],
  ])('hears a command from %s: the level is normalised before decoding', async (_, gain) => {
    const pcm = speech('set the volume to fifty percent');
    const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    for (let i = 0; i + 1 < pcm.byteLength; i += 2) {
      view.setInt16(i, Math.max(-32768, Math.min(32767, Math.round(view.getInt16(i, true) * gain))), true);
    }
    expect(await recognise(stt, pcm)).toEqual({ text: 'set the volume to fifty percent' });
  });

  // The rejection path, end to end. How often it holds is the benchmark's job (`npm run bench`): it also reports how
  // often the issue's own example, "play some jazz music", is taken for a command over 8 voices and 7 speeds.
  it.each(['play some jazz music', 'tell me a joke about cats', 'set an alarm for seven in the morning', 'turn on the kitchen lights'])(
    'rejects %j (outside the vocabulary)',
    async (said) => {
      expect(await recognise(stt, speech(said))).toEqual({ text: '', rejected: true });
    },
  );

  it.each([
    ['with level normalisation', {}],
    ['without it', { speechLevel: false as const }],
  ])("leaves the caller's audio untouched %s (the noise floor goes on the recogniser's own copy)", async (_, options) => {
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'grammar-own'), prespawn: false, ...options });
    const pcm = speech('stop');
    const before = new Uint8Array(pcm); // a copy (Buffer#slice would be a view)
    const controller = new AbortController();
    const stream = engine.start({ format: SPEECH_FORMAT, signal: controller.signal });
    for (let i = 0; i < pcm.byteLength; i += 1280) stream.write(pcm.subarray(i, i + 1280));
    controller.abort();
    await stream.finish();
    expect(new Uint8Array(pcm)).toEqual(before);
    engine.close();
  });

  it('silence gives an empty result', async () => {
    expect(await recognise(stt, new Uint8Array(32000))).toEqual({ text: '' });
    const hiss = new Uint8Array(32000);
    const view = new DataView(hiss.buffer);
    for (let i = 0; i < 16000; i++) view.setInt16(i * 2, ((i * 7919) % 41) - 20, true); // far below speech level
    expect(await recognise(stt, hiss)).toEqual({ text: '' });
  });

  it('an abort mid-stream kills the decoders and resolves empty; nothing leaks', async () => {
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'grammar2'), prespawn: false });
    const controller = new AbortController();
    const stream = engine.start({ format: SPEECH_FORMAT, signal: controller.signal });
    // This engine's sh (its command line names this engine's grammar), with cat and the decoder under it; not the
    // next-turn decoder another engine of this file may be starting meanwhile.
    const ours = (): number[] => {
      const sh = descendants().find((p) => commandLine(p).includes(join(dir, 'grammar2')) && commandLine(p).startsWith('sh'));
      return sh === undefined ? [] : [sh, ...descendants(sh)];
    };
    await eventually(() => ours().length >= 3);
    const started = ours();
    stream.write(speech('set the volume to fifty percent').subarray(0, 16000));
    controller.abort();
    expect(await stream.finish()).toEqual({ text: '' });
    stream.write(new Uint8Array(320)); // after the end: ignored, no throw
    expect(descendants().filter((p) => started.includes(p))).toEqual([]);
    engine.close();
  });

  it('a missing binary is a typed, non-retryable error, not a crash', async () => {
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'grammar3'), binary: '/nonexistent/pocketsphinx' });
    const error = await recognise(engine, speech('stop')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SttError);
    expect(error).toMatchObject({ code: 'stt_failed', retryable: false });
    engine.close();
  });

  it('refuses audio in another format', async () => {
    const stream = stt.start({ format: { encoding: 'pcm_s16le', sampleRateHz: 8000, channels: 1 }, signal: new AbortController().signal });
    await expect(stream.finish()).rejects.toMatchObject({ code: 'stt_failed' });
  });
});

/** The acoustic model's own starting cepstral mean (`-cmninit` of its feat.params). */
function modelMean(): number[] {
  const params = readFileSync('/usr/share/pocketsphinx/model/en-us/en-us/feat.params', 'utf8');
  return (/^-cmninit\s+(\S+)/m.exec(params)?.[1] ?? '').split(',').map(Number);
}

const cmninitLine = (mean: readonly number[]): string => `-cmninit ${mean.map((x) => x.toFixed(2)).join(',')}`;

describe("learning each channel's cepstral mean (real pocketsphinx)", () => {

  it("a turn moves its channel's estimate and the next turn's decoders start from it; other channels keep the model's", async () => {
    const dataDir = join(dir, 'grammar-adapt');
    const engine = new PocketsphinxStt({ skills: compiled, dataDir, prespawn: false });
    expect(engine.channelMean('device:a')).toEqual(modelMean());
    expect(await recognise(engine, speech('what time is it'), undefined, 'device:a')).toEqual({ text: 'what time is it' });
    const learnt = [...(engine.channelMean('device:a') ?? [])];
    expect(learnt).toHaveLength(13);
    expect(learnt).not.toEqual(modelMean());
    expect(engine.channelMean('device:b')).toEqual(modelMean());

    // The second turn's decoder starts from the learnt mean (its -featparams: see the stand-in decoder's tests below).
    expect(await recognise(engine, speech('set the volume to fifty percent'), undefined, 'device:a')).toEqual({ text: 'set the volume to fifty percent' });
    expect(engine.channelMean('device:a')).not.toEqual(learnt); // the second turn moved it again
    engine.close();

    // Kept across a restart (rounded to 0.01 in the file).
    await new Promise((resolve) => setImmediate(resolve)); // the estimates are written once the tick is over
    const again = new PocketsphinxStt({ skills: compiled, dataDir, prespawn: false });
    const kept = again.channelMean('device:a') ?? [];
    (engine.channelMean('device:a') ?? []).forEach((x, i) => expect(kept[i]).toBeCloseTo(x, 1));
    again.close();
  });

  it('a turn without a channel teaches nothing', async () => {
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'grammar-adapt2'), prespawn: false });
    expect(await recognise(engine, speech('what time is it'))).toEqual({ text: 'what time is it' });
    expect(readdirSync(join(dir, 'grammar-adapt2')).filter((f) => f.includes('feat-') || f.includes('channel-means'))).toEqual([]);
    engine.close();
  });

  it('with adaptChannels false, nothing is learnt', async () => {
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'grammar-adapt3'), prespawn: false, adaptChannels: false });
    expect(await recognise(engine, speech('what time is it'), undefined, 'device:a')).toEqual({ text: 'what time is it' });
    expect(engine.channelMean('device:a')).toBeUndefined();
    expect(readdirSync(join(dir, 'grammar-adapt3')).filter((f) => f.includes('feat-') || f.includes('channel-means'))).toEqual([]);
    engine.close();
  });
});

/**
 * A stand-in decoder (`binary`): writes a cepstral mean to its log at once (a real decoder writes it when the
 * utterance ends), appends its arguments to $PICHAT_FAKE_DECODER_LOG, reads the audio and answers "what time is it".
 */
describe('learning each channel\'s mean: decoder arguments and spare decoders (stand-in decoder)', () => {
  const MEAN = [50, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  let fake: string;
  let calls: string;

  beforeAll(() => {
    fake = join(dir, 'fake-decoder.sh');
    calls = join(dir, 'fake-decoder.calls');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        `echo "INFO: cmn_live.c(138): Update to   < ${MEAN.join(' ')} >" >&2`,
        'echo "INFO: fsg_search.c(853): 100 frames, 1 HMMs (1/fr)" >&2',
        // One line per decoder: its arguments, then the -cmninit line of its -featparams file (or "none").
        'p=""; prev=""; for a in "$@"; do [ "$prev" = "-featparams" ] && p="$a"; prev="$a"; done',
        'echo "$* | $( [ -n "$p" ] && grep -e "^-cmninit" "$p" || echo none)" >> "$PICHAT_FAKE_DECODER_LOG"',
        'cat > /dev/null',
        'echo "what time is it"',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    process.env.PICHAT_FAKE_DECODER_LOG = calls;
  });

  const invocations = (): { args: string[]; cmninit: string }[] =>
    existsSync(calls)
      ? readFileSync(calls, 'utf8').trim().split('\n').map((line) => {
          const [args = '', cmninit = ''] = line.split(' | ');
          return { args: args.split(' '), cmninit };
        })
      : [];

  it("passes the channel's learnt mean to its next decoder as -cmninit in -featparams; none without a channel", async () => {
    rmSync(calls, { force: true });
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'fake-1'), binary: fake, prespawn: false });
    expect(await recognise(engine, speech('stop'), undefined, 'device:a')).toEqual({ text: 'what time is it' });
    expect(invocations()[0]?.cmninit).toBe(cmninitLine(modelMean())); // nothing learnt yet
    const learnt = modelMean().map((m, i) => (m + (MEAN[i] as number)) / 2); // the model's mean counts as one turn
    (engine.channelMean('device:a') ?? []).forEach((x, i) => expect(x).toBeCloseTo(learnt[i] as number, 9));
    await recognise(engine, speech('stop'), undefined, 'device:a');
    await recognise(engine, speech('stop'));
    const [, second, third] = invocations(); // one line per turn
    expect(second?.cmninit).toBe(cmninitLine(learnt));
    expect(third?.args).not.toContain('-featparams');
    expect(third?.cmninit).toBe('none');
    engine.close();
  });

  it('an aborted turn, or one that heard nothing, teaches nothing', async () => {
    rmSync(calls, { force: true });
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'fake-2'), binary: fake, prespawn: false });
    const controller = new AbortController();
    const stream = engine.start({ format: SPEECH_FORMAT, signal: controller.signal, channel: 'device:a' });
    stream.write(speech('stop'));
    // The decoder has logged its mean (it does before writing its arguments); let its stderr be read.
    await eventually(() => invocations().length === 1);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    controller.abort();
    expect(await stream.finish()).toEqual({ text: '' });
    expect(await recognise(engine, new Uint8Array(32000), undefined, 'device:a')).toEqual({ text: '' });
    expect(engine.channelMean('device:a')).toEqual(modelMean());
    engine.close();
  });

  it("starts the next turn's decoder after a turn ends, for its channel, and the next turn on it uses it", async () => {
    rmSync(calls, { force: true });
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'fake-3'), binary: fake });
    await eventually(() => invocations().length === 1); // the first spare, no channel yet
    await recognise(engine, speech('stop'), undefined, 'device:a'); // another channel: its own decoder
    expect(invocations()).toHaveLength(2);
    await eventually(() => invocations().length === 3); // the spare for device:a, with its new mean
    expect(invocations()[2]?.cmninit).toBe(cmninitLine(engine.channelMean('device:a')!));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // the decoder's pipes are not timers
    try {
      await recognise(engine, speech('stop'), undefined, 'device:a');
      expect(invocations()).toHaveLength(3); // the spare was used: nothing new started for the turn
      expect(vi.getTimerCount()).toBe(1); // the next spare, due shortly after the turn
      engine.close(); // cancels it
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("deletes each decoder's settings file when it ends, and those a run that ended without cleaning up left", async () => {
    const dataDir = join(dir, 'fake-4');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'feat-web_gone-3.params'), '-cmninit 40\n');
    const engine = new PocketsphinxStt({ skills: compiled, dataDir, binary: fake, prespawn: false });
    const files = () => readdirSync(dataDir).filter((f) => f.startsWith('feat-'));
    expect(files()).toEqual([]);
    const stream = engine.start({ format: SPEECH_FORMAT, signal: new AbortController().signal, channel: 'web:a' });
    expect(files()).toHaveLength(1); // while its decoder runs
    stream.write(speech('stop'));
    await stream.finish();
    for (const channel of ['web:b', 'web:c']) await recognise(engine, speech('stop'), undefined, channel);
    await eventually(() => files().length === 0);
    engine.close();
  });
});

/**
 * A stand-in decoder that reads the audio, then prints $PICHAT_FAKE_OUT as `-time yes` does; with $PICHAT_FAKE_HANG
 * set it never answers (until killed), with $PICHAT_FAKE_FAIL set it fails.
 */
function writeOutputDecoder(): string {
  const fake = join(dir, 'output-decoder.sh');
  const lines = [
    '#!/bin/sh',
    'cat > /dev/null',
    '[ -n "$PICHAT_FAKE_HANG" ] && exec sleep 60',
    '[ -n "$PICHAT_FAKE_FAIL" ] && { echo "ERROR: fake failure" >&2; exit 3; }',
    'cat "$PICHAT_FAKE_OUT"',
  ];
  writeFileSync(fake, lines.join('\n'));
  chmodSync(fake, 0o755);
  process.env.PICHAT_FAKE_OUT = join(dir, 'output-decoder.out');
  return fake;
}

/** One turn of speech on an engine whose stand-in decoder prints `stdout`. */
async function outputTurn(fake: string, stdout: string, options: Partial<PocketsphinxOptions> = {}, how: { hang?: boolean; fail?: boolean } = {}) {
  writeFileSync(process.env.PICHAT_FAKE_OUT as string, stdout);
  process.env.PICHAT_FAKE_HANG = how.hang ? '1' : '';
  process.env.PICHAT_FAKE_FAIL = how.fail ? '1' : '';
  const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'output'), binary: fake, prespawn: false, ...options });
  try {
    return await recognise(engine, speech('stop'));
  } finally {
    engine.close();
  }
}

describe('deciding from the decoder\'s output (stand-in decoder)', () => {
  let fake: string;
  beforeAll(() => {
    fake = writeOutputDecoder();
  });
  const turn = (stdout: string, options: Partial<PocketsphinxOptions> = {}) => outputTurn(fake, stdout, options);

  it('accepts a command whose words last long enough, and rejects one with a word squeezed through at the minimum', async () => {
    // "stop" is four phones (S T AA P): 12 frames at least; with the default slack of one frame, 13 are squeezed too.
    // 41, 13 and 14 frames here.
    expect(await turn('stop\n<sil> 0.000 0.290 1.000000\nstop 0.300 0.700 1.000000\n')).toEqual({ text: 'stop' });
    expect(await turn('stop\nstop 0.300 0.420 1.000000\n')).toEqual({ text: '', rejected: true });
    expect(await turn('stop\nstop 0.300 0.430 1.000000\n')).toEqual({ text: 'stop' });
    expect(await turn('stop\nstop 0.300 0.420 1.000000\n', { squeezeSlack: 0 })).toEqual({ text: 'stop' });
    expect(await turn('stop\nstop 0.300 0.410 1.000000\n', { squeezeSlack: false })).toEqual({ text: 'stop' });
  });

  it('judges the words the decoder timed; an untimed hypothesis is not checked', async () => {
    expect(await turn('stop\n')).toEqual({ text: 'stop' });
  });

  it('rejects garbage, reports nothing heard as an empty result, and gives the words without variants or case', async () => {
    expect(await turn('_ph_s _w_people\n')).toEqual({ text: '', rejected: true });
    expect(await turn('')).toEqual({ text: '' });
    expect(await turn('WHAT(2) time IS it\n')).toEqual({ text: 'what time is it' });
  });

  it('refuses a slack that is not a whole number of frames', () => {
    for (const squeezeSlack of [-1, 0.5]) {
      expect(() => new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'slack'), binary: fake, prespawn: false, squeezeSlack })).toThrow(RangeError);
    }
  });

  it('a failing decoder fails the turn with its error; a silent one times out, and is killed', async () => {
    await expect(outputTurn(fake, 'stop\n', {}, { fail: true })).rejects.toThrow(/pocketsphinx failed \(exit code 3\): ERROR: fake failure/);
    const before = new Set(descendants());
    await expect(outputTurn(fake, 'stop\n', { finishTimeoutMs: 300 }, { hang: true })).rejects.toThrow(/no result within 300 ms/);
    await eventually(() => descendants().filter((p) => !before.has(p)).length === 0);
  });
});

describe('silence after the turn (stand-in decoder that keeps its input)', () => {
  let fake: string;
  const input = (): Int16Array => {
    const b = readFileSync(join(dir, 'trailing.in'));
    return new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2);
  };
  beforeAll(() => {
    fake = join(dir, 'trailing-decoder.sh');
    writeFileSync(fake, ['#!/bin/sh', `cat > ${JSON.stringify(join(dir, 'trailing.in'))}`, 'echo stop'].join('\n'));
    chmodSync(fake, 0o755);
  });

  it('sends the turn, then trailingSilenceMs of hiss (default 250 ms); 0 sends none; a value out of range is refused', async () => {
    const pcm = speech('stop');
    const run = async (options: Partial<PocketsphinxOptions>) => {
      const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'trailing'), binary: fake, prespawn: false, ...options });
      try {
        expect(await recognise(engine, pcm)).toEqual({ text: 'stop' });
        return input();
      } finally {
        engine.close();
      }
    };
    const bare = await run({ trailingSilenceMs: 0 });
    const padded = await run({});
    expect(padded.length - bare.length).toBe(16 * 250);
    expect(Array.from(padded.subarray(0, bare.length))).toEqual(Array.from(bare)); // the same turn before it
    const tail = Array.from(padded.subarray(bare.length));
    expect(Math.max(...tail.map(Math.abs))).toBeLessThan(50); // about -70 dBFS
    expect(tail.some((s) => s !== 0)).toBe(true); // hiss, not digital silence
    for (const trailingSilenceMs of [-1, 0.5, 2001]) {
      expect(() => new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'trailing'), binary: fake, prespawn: false, trailingSilenceMs })).toThrow(RangeError);
    }
  });
});

/**
 * Stand-in decoders for the second pass: the first (no settings file) logs a cepstral mean and answers
 * $PICHAT_FAKE1_OUT (default: garbage), $PICHAT_FAKE1_DELAY seconds after its input ends; the second (its -featparams file is named for the second pass) keeps its
 * input and -cmninit and answers $PICHAT_FAKE2_OUT, or hangs with $PICHAT_FAKE2_HANG.
 */
describe('a rejected turn decoded again from its own mean (stand-in decoders)', () => {
  let fake: string;
  const TURN_MEAN = [41, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const file = (name: string) => join(dir, `second-${name}`);
  beforeAll(() => {
    fake = join(dir, 'second-decoder.sh');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        'p=""; g=""; prev=""; for a in "$@"; do [ "$prev" = "-featparams" ] && p="$a"; [ "$prev" = "-fsg" ] && g="$a"; prev="$a"; done',
        `echo "INFO: cmn_live.c(138): Update to   < ${TURN_MEAN.join(' ')} >" >&2`,
        'echo "INFO: fsg_search.c(853): ${PICHAT_FAKE2_FRAMES:-100} frames, 1 HMMs (1/fr)" >&2',
        'case "$p" in',
        `  *second-pass*) grep -e "^-cmninit" "$p" > ${JSON.stringify(file('cmninit'))}; echo "$g" > ${JSON.stringify(file('fsg'))}; cat > ${JSON.stringify(file('2.in'))};`,
        '    [ -n "$PICHAT_FAKE2_HANG" ] && exec sleep 30; printf "%b" "$PICHAT_FAKE2_OUT" ;;',
        `  *) cat > ${JSON.stringify(file('1.in'))}; sleep "\${PICHAT_FAKE1_DELAY:-0}"; printf "%b" "\${PICHAT_FAKE1_OUT:-_ph_s _w_people\\n}" ;;`,
        'esac',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
  });

  /** A first pass the duration check rejects: "stop" (four phones) in 6 frames. */
  const SQUEEZED = 'stop\\nstop 0.30 0.35 1.000\\n';
  const turn = async (secondOut: string, options: Partial<PocketsphinxOptions> = {}, hang = false, frames = 100, firstOut = '') => {
    for (const name of ['cmninit', 'fsg', '1.in', '2.in']) rmSync(file(name), { force: true });
    process.env.PICHAT_FAKE1_OUT = firstOut;
    process.env.PICHAT_FAKE2_OUT = secondOut;
    process.env.PICHAT_FAKE2_HANG = hang ? '1' : '';
    process.env.PICHAT_FAKE2_FRAMES = String(frames);
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'second'), binary: fake, prespawn: false, secondPass: 'all', ...options });
    try {
      return await recognise(engine, speech('stop'));
    } finally {
      engine.close();
    }
  };

  it("hears the command the second pass hears, from the same audio and the turn's own mean", async () => {
    expect(await turn('stop\\n')).toEqual({ text: 'stop' });
    expect(readFileSync(file('cmninit'), 'utf8').trim()).toBe(`-cmninit ${TURN_MEAN.map((x) => x.toFixed(2)).join(',')}`);
    expect(readFileSync(file('2.in')).equals(readFileSync(file('1.in')))).toBe(true);
    expect(readFileSync(file('1.in')).byteLength).toBeGreaterThan(32_000);
    // Its grammar: the same, with the garbage loop's phones 1.5 times likelier.
    const fsg = readFileSync(readFileSync(file('fsg'), 'utf8').trim(), 'utf8');
    const first = readFileSync(join(dir, 'second', 'grammar.fsg'), 'utf8');
    expect(fsg).not.toBe(first);
    expect(fsg).toBe(first.replace(/ 0\.02 _ph_/g, ' 0.03 _ph_'));
  });

  it('by default decodes again only a turn the duration check rejected, not one the garbage loop explained', async () => {
    expect(await turn('stop\\n', { secondPass: undefined }, false, 100, SQUEEZED)).toEqual({ text: 'stop' });
    expect(readFileSync(file('2.in')).equals(readFileSync(file('1.in')))).toBe(true);
    expect(await turn('stop\\n', { secondPass: 'duration' }, false, 100, SQUEEZED)).toEqual({ text: 'stop' });
    expect(await turn('stop\\n', { secondPass: undefined })).toEqual({ text: '', rejected: true }); // garbage
    expect(existsSync(file('2.in'))).toBe(false);
    expect(await turn('stop\\n', { secondPass: 'off' }, false, 100, SQUEEZED)).toEqual({ text: '', rejected: true });
    expect(existsSync(file('2.in'))).toBe(false);
    expect(await turn('stop\\n', { secondPass: 'all' }, false, 100, SQUEEZED)).toEqual({ text: 'stop' }); // both kinds
    expect(existsSync(file('2.in'))).toBe(true);
    expect(() => new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'second'), binary: fake, prespawn: false, secondPass: true as never })).toThrow(RangeError);
    // A turn the first pass hears is not decoded again.
    expect(await turn('help\\n', { secondPass: 'all' }, false, 100, 'stop\\nstop 0.30 0.60 1.000\\n')).toEqual({ text: 'stop' });
    expect(existsSync(file('2.in'))).toBe(false);
  });

  it('keeps the rejection when the second pass rejects too, hears nothing, is late or is off', async () => {
    expect(await turn('_ph_t _w_people\\n')).toEqual({ text: '', rejected: true });
    expect(await turn('')).toEqual({ text: '', rejected: true });
    const before = new Set(descendants());
    expect(await turn('stop\\n', { finishTimeoutMs: 500 }, true)).toEqual({ text: '', rejected: true });
    await eventually(() => descendants().filter((p) => !before.has(p)).length === 0); // the late one was killed
    expect(await turn('stop\\n', { secondPass: 'off' })).toEqual({ text: '', rejected: true });
    expect(existsSync(file('2.in'))).toBe(false); // no second decoder
    expect(await turn('stop\\n', { adaptChannels: false })).toEqual({ text: '', rejected: true });
    expect(existsSync(file('2.in'))).toBe(false);
    expect(await turn('stop\\n', {}, false, 20)).toEqual({ text: '', rejected: true }); // too short a turn for its mean
    expect(existsSync(file('2.in'))).toBe(false);
  });

  it('both passes together end within the finish timeout: the second has what the first left of it', async () => {
    process.env.PICHAT_FAKE1_OUT = '';
    process.env.PICHAT_FAKE1_DELAY = '1.5';
    process.env.PICHAT_FAKE2_OUT = 'stop\\n';
    process.env.PICHAT_FAKE2_HANG = '1';
    process.env.PICHAT_FAKE2_FRAMES = '100';
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'second'), binary: fake, prespawn: false, secondPass: 'all', finishTimeoutMs: 2500 });
    try {
      const stream = engine.start({ format: SPEECH_FORMAT, signal: new AbortController().signal });
      stream.write(speech('stop'));
      const t0 = performance.now();
      expect(await stream.finish()).toEqual({ text: '', rejected: true });
      // About 2.5 s in all; a timeout of its own would give the second pass 2.5 s more (4 s in all).
      expect(performance.now() - t0).toBeLessThan(3500);
    } finally {
      engine.close();
      delete process.env.PICHAT_FAKE1_DELAY;
    }
  });

  it('an abort during the second pass kills it and gives an empty result', async () => {
    process.env.PICHAT_FAKE1_OUT = '';
    process.env.PICHAT_FAKE2_OUT = 'stop\\n';
    process.env.PICHAT_FAKE2_HANG = '1';
    process.env.PICHAT_FAKE2_FRAMES = '100';
    rmSync(file('2.in'), { force: true });
    const before = new Set(descendants());
    const engine = new PocketsphinxStt({ skills: compiled, dataDir: join(dir, 'second'), binary: fake, prespawn: false, secondPass: 'all' });
    const controller = new AbortController();
    const stream = engine.start({ format: SPEECH_FORMAT, signal: controller.signal });
    stream.write(speech('stop'));
    const result = stream.finish();
    await eventually(() => existsSync(file('2.in'))); // the second decoder has the audio and hangs
    controller.abort();
    expect(await result).toEqual({ text: '' });
    await eventually(() => descendants().filter((p) => !before.has(p)).length === 0);
    engine.close();
  });
});
