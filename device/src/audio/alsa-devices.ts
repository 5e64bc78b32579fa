import { execFile } from 'node:child_process';

/** One ALSA PCM as `arecord -L` / `aplay -L` names it. */
export interface AlsaDevice {
  /** What PICHAT_CAPTURE_DEVICE / PICHAT_PLAYBACK_DEVICE take, e.g. `plughw:CARD=Device,DEV=0`. */
  name: string;
  /** The indented lines under the name, joined with " / ". */
  description: string;
}

/**
 * Parses the output of `arecord -L` or `aplay -L`: a name at the start of a line, its description on the indented
 * lines below. Pure. Card names (`CARD=Device`) stay stable across reboots and USB re-plugs; card numbers do not.
 */
export function parseAlsaDeviceList(output: string): AlsaDevice[] {
  const devices: AlsaDevice[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line)) {
      const last = devices.at(-1);
      if (last) last.description = last.description ? `${last.description} / ${line.trim()}` : line.trim();
    } else {
      devices.push({ name: line.trim(), description: '' });
    }
  }
  return devices;
}

/**
 * The names worth suggesting for a push-to-talk device: `default`, and per card the `plughw:` entry (converts rate
 * and format as needed) rather than raw `hw:` or the surround/iec958 variants.
 */
export function suggestedDevices(devices: readonly AlsaDevice[]): AlsaDevice[] {
  return devices.filter((d) => d.name === 'default' || d.name.startsWith('plughw:') || d.name.startsWith('sysdefault:'));
}

/** Runs `arecord -L` (capture) or `aplay -L` (playback) and parses it. Never throws: a problem is returned. */
export function listAlsaDevices(
  direction: 'capture' | 'playback',
  timeoutMs = 5000,
): Promise<{ ok: true; devices: AlsaDevice[] } | { ok: false; problem: string }> {
  const command = direction === 'capture' ? 'arecord' : 'aplay';
  return new Promise((resolve) => {
    execFile(command, ['-L'], { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout) => {
      if (error) {
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} not found: install alsa-utils` : error.message;
        resolve({ ok: false, problem: why });
        return;
      }
      resolve({ ok: true, devices: parseAlsaDeviceList(stdout) });
    });
  });
}

/** The text `pichat-device --list-devices` prints. */
export function formatDeviceList(
  capture: Awaited<ReturnType<typeof listAlsaDevices>>,
  playback: Awaited<ReturnType<typeof listAlsaDevices>>,
): string {
  const section = (title: string, variable: string, r: Awaited<ReturnType<typeof listAlsaDevices>>): string => {
    if (!r.ok) return `${title}: ${r.problem}\n`;
    const shown = suggestedDevices(r.devices);
    const rows = (shown.length > 0 ? shown : r.devices).map((d) => `  ${d.name}${d.description ? `\n      ${d.description}` : ''}`);
    return `${title} (set ${variable} to one of these names):\n${rows.join('\n')}\n`;
  };
  return `${section('Microphones', 'PICHAT_CAPTURE_DEVICE', capture)}\n${section('Speakers', 'PICHAT_PLAYBACK_DEVICE', playback)}`;
}
