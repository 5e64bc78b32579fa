import { execFile } from 'node:child_process';
import { PI_CHIP_LABEL } from './gpio-number.js';

/** A GPIO chip as `gpiodetect` lists it: `gpiochip0 [pinctrl-bcm2711] (58 lines)`. */
export interface GpioChip {
  name: string;
  label: string;
  lines: number;
}

/** Parses `gpiodetect` output (libgpiod 1.x and 2.x print the same line format). Pure. */
export function parseGpiodetect(output: string): GpioChip[] {
  const chips: GpioChip[] = [];
  for (const line of output.split('\n')) {
    const m = /^(\S+)\s+\[([^\]]*)\]\s+\((\d+) lines?\)/.exec(line.trim());
    if (m) chips.push({ name: m[1]!, label: m[2]!, lines: Number(m[3]) });
  }
  return chips;
}

export type ChipChoice = { ok: true; chip: GpioChip } | { ok: false; problem: string };

/**
 * The Raspberry Pi's main GPIO controller among `chips`, by label (its number changed between kernels: the Pi 5's
 * was gpiochip4 before 6.6.y, gpiochip0 after). Offsets on that chip are BCM numbers.
 */
export function choosePiChip(chips: readonly GpioChip[], bcm: number): ChipChoice {
  const chip = chips.find((c) => PI_CHIP_LABEL.test(c.label));
  if (!chip) {
    const seen = chips.map((c) => `${c.name} [${c.label}]`).join(', ') || 'none';
    return { ok: false, problem: `no Raspberry Pi GPIO chip found by gpiodetect (chips: ${seen}); set PICHAT_GPIO_CHIP` };
  }
  if (bcm >= chip.lines) return { ok: false, problem: `BCM ${bcm} is beyond ${chip.name} (${chip.label}), which has ${chip.lines} lines` };
  return { ok: true, chip };
}

/** Major version of libgpiod's tools, from `gpiomon --version` ("gpiomon (libgpiod) v1.6.3"). */
export function parseGpiodVersion(output: string): number | undefined {
  const m = /libgpiod\)?\s+v?(\d+)\.(\d+)/.exec(output);
  return m ? Number(m[1]) : undefined;
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ ok: true; stdout: string } | { ok: false; problem: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true, stdout });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ ok: false, problem: `${command} not found: install the gpiod package` });
      resolve({ ok: false, problem: `${command}: ${(stderr || error.message).trim().split('\n').pop()}` });
    });
  });
}

/** What the character-device backends need: the chip to use and the tools' major version. Never throws. */
export async function probeGpiod(
  bcm: number,
  chipOverride: string | undefined,
  timeoutMs = 5000,
): Promise<{ ok: true; chip: string; version: number } | { ok: false; problem: string }> {
  const version = await run('gpiomon', ['--version'], timeoutMs);
  if (!version.ok) return version;
  const major = parseGpiodVersion(version.stdout) ?? 1;
  if (chipOverride) return { ok: true, chip: chipOverride, version: major };
  const detected = await run('gpiodetect', [], timeoutMs);
  if (!detected.ok) return detected;
  const choice = choosePiChip(parseGpiodetect(detected.stdout), bcm);
  return choice.ok ? { ok: true, chip: choice.chip.name, version: major } : choice;
}
