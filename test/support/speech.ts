import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinearResampler, SPEECH_FORMAT, decodeWav, encodeWav, type AudioFormat } from '@pichat/shared';

const MODEL = '/usr/share/pocketsphinx/model/en-us';

/** Renders `text` with espeak-ng (voice, speed in wpm) as 16 kHz mono PCM, with `padMs` of silence after it. */
export function speak(text: string, options: { voice?: string; wpm?: number; padMs?: number } = {}): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-say-'));
  const wav = join(dir, 'say.wav');
  execFileSync('espeak-ng', ['-v', options.voice ?? 'en-us', '-s', String(options.wpm ?? 165), '-w', wav, text]);
  const decoded = decodeWav(new Uint8Array(readFileSync(wav)));
  const pcm = new LinearResampler(decoded.format, SPEECH_FORMAT.sampleRateHz).push(decoded.pcm);
  const padBytes = Math.round((SPEECH_FORMAT.sampleRateHz * (options.padMs ?? 300)) / 1000) * 2;
  const out = new Uint8Array(pcm.byteLength + padBytes); // the tail stays zero: silence after the speech
  out.set(pcm, 0);
  return out;
}

/**
 * Which of `candidates` the audio says, by pocketsphinx constrained to exactly those sentences (lower-case words
 * in the CMU dictionary). Used to check that reply audio says the right thing rather than something else.
 */
export async function whichSentence(pcm: Uint8Array, format: AudioFormat, candidates: string[], timeoutMs = 20_000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-check-'));
  const gram = join(dir, 'check.gram');
  writeFileSync(gram, `#JSGF V1.0;\ngrammar check;\npublic <s> = ${candidates.map((c) => `( ${c} )`).join(' | ')};\n`);
  const speech = format.sampleRateHz === 16000 ? pcm : new LinearResampler(format, 16000).push(pcm);
  // A file, not stdin: Node's child stdio is a socket, which pocketsphinx cannot open as /dev/stdin.
  const input = join(dir, 'reply.wav');
  writeFileSync(input, encodeWav(SPEECH_FORMAT, speech));
  const child = spawn('pocketsphinx_continuous', ['-infile', input, '-jsgf', gram, '-dict', join(MODEL, 'cmudict-en-us.dict'), '-hmm', join(MODEL, 'en-us'), '-logfn', '/dev/null'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('pocketsphinx check timed out'));
    }, timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return out.trim().split('\n').filter(Boolean).join(' ');
}
