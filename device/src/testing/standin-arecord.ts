import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a stand-in `arecord` into a fresh directory (put it first on PATH). It records its arguments to
 * `args.txt` (its pid in `args.txt.pid`) beside it and, like a microphone, emits 16 kHz mono s16le at real-time pace in 64 ms periods, sample n
 * being n % 30000 (after a WAV header, as arecord writes, unless asked for `-t raw`). With STANDIN_ARECORD_MODE=busy it fails the way arecord does on a busy device (exit 1).
 */
export function writeStandinArecord(): { dir: string; argsFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-arecord-'));
  const argsFile = join(dir, 'args.txt');
  const script = `#!${process.execPath}
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(argsFile)}, process.argv.slice(2).join(' '));
fs.writeFileSync(${JSON.stringify(argsFile)} + '.pid', String(process.pid));
if (process.env.STANDIN_ARECORD_MODE === 'busy') {
  process.stderr.write('arecord: main:850: audio open error: Device or resource busy\\n');
  process.exit(1);
}
if (!process.argv.slice(2).join(' ').includes('-t raw')) {
  // Like arecord without -t raw: a WAV header with placeholder sizes leads the stream.
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(0x80000024, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(0x80000000, 40);
  process.stdout.write(h);
}
let n = 0;
const period = () => {
  const b = Buffer.alloc(2048);
  for (let i = 0; i < 1024; i++) b.writeInt16LE(n++ % 30000, i * 2);
  process.stdout.write(b);
};
period();
setInterval(period, 64);
`;
  writeFileSync(join(dir, 'arecord'), script);
  chmodSync(join(dir, 'arecord'), 0o755);
  return { dir, argsFile };
}
