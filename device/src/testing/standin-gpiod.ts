import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Stand-ins for Debian gpiod's `gpiomon`, `gpiodetect` and `gpioset` in a fresh directory (put it first on PATH), for
 * machines without a GPIO chip. They log to files beside them:
 * - `gpiomon` writes its arguments to `gpiomon.args` and appends its pid to `gpiomon.pids`; then it relays lines
 *   from the FIFO `events` to stdout in the output format of libgpiod STANDIN_GPIOD_VERSION (1 or 2; default 2):
 *   `falling`, `rising`, or `die` (exit 1). STANDIN_GPIOMON_MODE=denied / busy makes it fail the way gpiomon does.
 * - `gpiodetect` prints the chips of STANDIN_GPIODETECT (default: a Pi 5 after 6.6.y, rp1 on gpiochip0).
 * - `gpioset` writes its arguments to `gpioset.args`, its pid to `gpioset.pid` and every stdin line to
 *   `gpioset.log`; it leaves on `exit` or end of input.
 */
export function writeStandinGpiod(): { dir: string; fifo: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pichat-gpiod-'));
  const fifo = join(dir, 'events');
  execFileSync('mkfifo', [fifo]);
  const head = `#!${process.execPath}\nconst fs = require('node:fs');\nconst dir = ${JSON.stringify(dir)};\nconst v = Number(process.env.STANDIN_GPIOD_VERSION || 2);\n`;
  const gpiomon = `${head}
const args = process.argv.slice(2);
if (args.includes('--version')) { console.log('gpiomon (libgpiod) v' + (v === 1 ? '1.6.3' : '2.1.3')); process.exit(0); }
fs.writeFileSync(dir + '/gpiomon.args', args.join(' '));
fs.appendFileSync(dir + '/gpiomon.pids', process.pid + '\\n');
const mode = process.env.STANDIN_GPIOMON_MODE;
if (mode === 'denied') { process.stderr.write('gpiomon: error waiting for events: Permission denied\\n'); process.exit(1); }
if (mode === 'busy') { process.stderr.write('gpiomon: unable to request lines: Device or resource busy\\n'); process.exit(1); }
const offset = args[args.length - 1];
let t = 100;
const line = (edge) => v === 1
  ? 'event: ' + (edge === 'falling' ? 'FALLING' : ' RISING') + ' EDGE offset: ' + offset + ' timestamp: [' + (t++) + '.000000000]\\n'
  : (t++) + '.000000000\\t' + edge + '\\tgpiochip0 ' + offset + '\\n';
process.on('SIGTERM', () => process.exit(0));
let rest = '';
// Opened for reading and writing, so the stream never ends: opened for reading only, each of the test's writes ended
// it on close, and a line written before it was reopened went to the closing reader and was lost (a test waiting for
// a 'die' or an edge then timed out, about one run in two under load).
fs.createReadStream(${JSON.stringify(fifo)}, { encoding: 'utf8', flags: 'r+' }).on('data', (d) => {
  rest += d;
  let nl;
  while ((nl = rest.indexOf('\\n')) >= 0) {
    const cmd = rest.slice(0, nl).trim(); rest = rest.slice(nl + 1);
    if (cmd === 'die') process.exit(1);
    if (cmd === 'falling' || cmd === 'rising') process.stdout.write(line(cmd));
  }
});
setInterval(() => undefined, 1 << 30);
`;
  const gpiodetect = `${head}
process.stdout.write(process.env.STANDIN_GPIODETECT || 'gpiochip0 [pinctrl-rp1] (54 lines)\\ngpiochip10 [gpio-brcmstb@107d508500] (32 lines)\\n');
`;
  const gpioset = `${head}
fs.writeFileSync(dir + '/gpioset.args', process.argv.slice(2).join(' '));
fs.writeFileSync(dir + '/gpioset.pid', String(process.pid));
let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  rest += d;
  let nl;
  while ((nl = rest.indexOf('\\n')) >= 0) {
    const cmd = rest.slice(0, nl).trim(); rest = rest.slice(nl + 1);
    fs.appendFileSync(dir + '/gpioset.log', cmd + '\\n');
    if (cmd === 'exit') process.exit(0);
  }
});
process.stdin.on('end', () => process.exit(0));
`;
  for (const [name, text] of Object.entries({ gpiomon, gpiodetect, gpioset })) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
  return { dir, fifo };
}
