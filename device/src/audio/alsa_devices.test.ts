import { describe, expect, it } from 'vitest';
import { formatDeviceList, parseAlsaDeviceList, suggestedDevices } from './alsa-devices.js';

/** `arecord -L` on a Pi with a USB microphone (trimmed). */
const ARECORD_L = `null
    Discard all samples (playback) or generate zero samples (capture)
default
    Default ALSA Output (currently PipeWire Media Server)
hw:CARD=Device,DEV=0
    USB PnP Sound Device, USB Audio
    Direct hardware device without any conversions
plughw:CARD=Device,DEV=0
    USB PnP Sound Device, USB Audio
    Hardware device with all software conversions
sysdefault:CARD=Device
    USB PnP Sound Device, USB Audio
    Default Audio Device
dsnoop:CARD=Device,DEV=0
    USB PnP Sound Device, USB Audio
    Direct sample snooping device
`;

describe('ALSA device list', () => {
  it('parses names and their indented descriptions', () => {
    const devices = parseAlsaDeviceList(ARECORD_L);
    expect(devices.map((d) => d.name)).toEqual([
      'null',
      'default',
      'hw:CARD=Device,DEV=0',
      'plughw:CARD=Device,DEV=0',
      'sysdefault:CARD=Device',
      'dsnoop:CARD=Device,DEV=0',
    ]);
    expect(devices[3]).toEqual({
      name: 'plughw:CARD=Device,DEV=0',
      description: 'USB PnP Sound Device, USB Audio / Hardware device with all software conversions',
    });
  });

  it('suggests default and the by-name plughw/sysdefault entries', () => {
    expect(suggestedDevices(parseAlsaDeviceList(ARECORD_L)).map((d) => d.name)).toEqual([
      'default',
      'plughw:CARD=Device,DEV=0',
      'sysdefault:CARD=Device',
    ]);
  });

  it('formats both lists, and a problem instead of a list', () => {
    const text = formatDeviceList({ ok: true, devices: parseAlsaDeviceList(ARECORD_L) }, { ok: false, problem: 'aplay not found: install alsa-utils' });
    expect(text).toContain('Microphones (set PICHAT_CAPTURE_DEVICE to one of these names):\n  default');
    expect(text).toContain('  plughw:CARD=Device,DEV=0\n      USB PnP Sound Device');
    expect(text).toContain('Speakers: aplay not found: install alsa-utils');
    expect(parseAlsaDeviceList('')).toEqual([]);
  });
});
