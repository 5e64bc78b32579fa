import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, login } from './support/chat-client.js';
import { TestDevice } from './support/device-client.js';
import { pushToTalk, startRealtimeServer, type RealtimeTestServer } from './support/realtime-server.js';

let server: RealtimeTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('realtime mode in settings', () => {
  it('is chosen in the settings (globally or per device), shows its availability, and reports costs', async () => {
    server = await startRealtimeServer({}, { PICHAT_VOICE_MODE: 'pipeline' });
    const cookie = await login(server.httpUrl, server.admin!.username, server.admin!.password);
    const chat = await ChatClient.connect(server.httpUrl, cookie);
    const settings = await chat.request('get_settings');
    expect(settings.payload.settings).toMatchObject({ voice_mode: '', realtime: { available: true, reason: null, model: 'gpt-realtime' } });

    const device = await TestDevice.ready(server.url, server.token);
    await pushToTalk(device, 't1');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't1')).toMatchObject({ handler: 'fake' });

    const id = server.store!.devices.list()[0]!.id;
    await chat.request('update_settings', { device_voice_modes: { [id]: 'realtime' }, realtime_voice: 'marin' });
    await pushToTalk(device, 't2');
    expect(await device.waitFor('turn.done', (m) => m.turnId === 't2')).toMatchObject({ handler: 'realtime' });
    const update = server.standin.ofType('session.update')[0] as { session: { audio: { output: { voice: string } } } };
    expect(update.session.audio.output.voice).toBe('marin');

    const usage = await chat.request('get_costs');
    expect(usage.payload).toMatchObject({ total: { records: 2, currency: 'USD' }, devices: [{ device_id: id, records: 2 }] });
    expect((usage.payload as { total: { cost: number } }).total.cost).toBeCloseTo((5440 + 190) / 1e6, 10);
    await device.close();
    chat.close();
  });
});
