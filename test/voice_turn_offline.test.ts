import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPEECH_FORMAT } from '@pichat/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type App } from '../server/src/app.js';
import { loadConfig } from '../server/src/config.js';
import { MemoryDeviceRegistry } from '../server/src/devices/registry.js';
import { createOfflineProviders } from '../server/src/providers/offline.js';
import { silentLogger } from '../shared/src/log.js';
import { TestDevice } from './support/device-client.js';
import { speak, whichSentence } from './support/speech.js';

/**
 * The embedded default end to end: a real server on loopback with pocketsphinx, the local skills and espeak-ng; a
 * device streaming speech rendered by espeak-ng at real-time pace. Checks the transcript and the skill, and
 * transcribes the reply audio back to check that it says the right thing.
 */
describe('a push-to-talk turn on the embedded default', () => {
  let app: App;
  let url: string;
  let offline: ReturnType<typeof createOfflineProviders>;

  beforeAll(async () => {
    const config = loadConfig({ PICHAT_DATA_DIR: mkdtempSync(join(tmpdir(), 'pichat-e2e-')) });
    offline = createOfflineProviders(config, silentLogger);
    const registry = new MemoryDeviceRegistry();
    registry.add('kitchen', 'e2e-token-0123456789');
    app = build({ registry, providers: offline });
    url = `ws://127.0.0.1:${(await app.listen(0, '127.0.0.1')).port}/ws/device`;
  });

  afterAll(async () => {
    await app.close();
    offline.close();
  });

  async function turn(device: TestDevice, turnId: string, pcm: Uint8Array) {
    device.send({ type: 'turn.start', turnId, format: SPEECH_FORMAT });
    await device.streamPcm(pcm, { realTime: true, frameMs: 20 });
    device.send({ type: 'turn.end', turnId });
    const done = await device.waitFor('turn.done', (m) => m.turnId === turnId, 15_000);
    const transcript = await device.waitFor('transcript', (m) => m.turnId === turnId && m.final);
    const start = await device.waitFor('audio.start', (m) => m.turnId === turnId).catch(() => undefined);
    return { done, transcript: transcript.text, audio: device.audioFor(turnId), format: start?.format };
  }

  it('sets the volume by voice: transcript, skill, control message and a reply that says it', async () => {
    const device = await TestDevice.ready(url, 'e2e-token-0123456789');
    const r = await turn(device, 'vol', speak('set the volume to fifty percent'));
    expect(r.transcript).toBe('set the volume to fifty percent');
    expect(r.done).toMatchObject({ outcome: 'answered', handler: 'volume_set' });
    expect((await device.waitFor('control')).volume).toBe(50);
    expect(r.format).toBeDefined();
    const said = await whichSentence(r.audio, r.format!, [
      'volume fifty percent',
      'volume fifteen percent',
      'volume twenty percent',
      "ok let's start a new conversation",
      "sorry i can't do that offline ask me what i can do",
    ]);
    expect(said).toBe('volume fifty percent');
    for (const key of ['end', 'sttFinal', 'brainFirstText', 'ttsFirstChunk', 'firstAudioSent', 'done']) {
      expect(r.done.timings[key], key).toBeTypeOf('number');
    }
    await device.close();
  });

  it('starts a new conversation by voice, with another voice and speed', async () => {
    const device = await TestDevice.ready(url, 'e2e-token-0123456789');
    const r = await turn(device, 'new', speak('start a new conversation', { voice: 'en-gb', wpm: 150 }));
    expect(r.transcript).toBe('start a new conversation');
    expect(r.done.handler).toBe('new_conversation');
    const said = await whichSentence(r.audio, r.format!, [
      "ok let's start a new conversation",
      'volume fifty percent',
      "i haven't said anything yet",
    ]);
    expect(said).toBe("ok let's start a new conversation");
    await device.close();
  });

  // The issue's own example, and a sentence that shares words with a command ("set ... seven"). How often rejection
  // holds over many voices and speeds is the recognition benchmark's job (README).
  it.each(['play some jazz music', 'set an alarm for seven in the morning'])('rejects %j instead of forcing it onto a command', async (said) => {
    const device = await TestDevice.ready(url, 'e2e-token-0123456789');
    const r = await turn(device, 'oov', speak(said));
    expect(r.transcript).toBe('');
    expect(r.done).toMatchObject({ outcome: 'no_speech', handler: 'rejected' });
    expect(device.messages().some((m) => m.type === 'control')).toBe(false);
    await device.close();
  });
});
