import { api, type Costs, type Device } from '../api.js';
import { clear, dialog, h, shortTime } from '../dom.js';
import type { ChatSocket } from '../socket.js';
import { formatCost } from './cost.js';

/** Devices: online state, last seen, realtime cost, volume, rename, add (token shown once), revoke. Live. */
export async function devicesView(socket: ChatSocket): Promise<{ el: HTMLElement; dispose(): void }> {
  const list = h('ul', { class: 'devices', attrs: { 'aria-label': 'Devices' } });
  let devices = new Map<string, Device>();
  let costs = new Map<string, { cost: number; currency: string }>();
  const load = async (): Promise<void> => {
    const answer = await api<{ devices: Device[] }>('GET', '/api/devices');
    devices = new Map(answer.devices.map((d) => [d.id, d]));
    render();
    await loadCosts();
  };
  const loadCosts = async (): Promise<void> => {
    try {
      const answer = (await socket.request('get_costs')).payload as unknown as Costs;
      costs = new Map(answer.devices.map((d) => [d.device_id, d]));
    } catch {
      return; // costs are extra: the list stands without them
    }
    render();
  };
  const render = (): void => {
    clear(list);
    if (devices.size === 0) list.appendChild(h('li', { text: 'No devices yet. Add one and put its token in the device’s .env (PICHAT_DEVICE_TOKEN).' }));
    for (const d of devices.values()) {
      const volume = h('input', { attrs: { type: 'range', min: '0', max: '100', step: '5', value: String(d.volume ?? 50), 'aria-label': `Volume of ${d.name}` } });
      volume.addEventListener('change', () => void api('PATCH', `/api/devices/${encodeURIComponent(d.id)}`, { volume: Number(volume.value) }));
      list.appendChild(
        h(
          'li',
          { class: 'device' },
          h('span', { class: `dot ${d.online ? 'on' : 'off'}`, attrs: { 'aria-hidden': 'true' } }),
          h(
            'div',
            { class: 'device-main' },
            h('strong', { text: d.name }),
            h('small', { text: d.online ? 'online' : d.last_seen_at ? `last seen ${shortTime(d.last_seen_at)}` : 'never connected' }),
            costs.has(d.id) ? h('small', { class: 'cost', text: `realtime cost ${formatCost(costs.get(d.id)!.cost, costs.get(d.id)!.currency)}` }) : null,
          ),
          h('label', { class: 'volume' }, 'Volume ', volume),
          h('button', { text: 'Rename', on: { click: () => void rename(d) } }),
          h('button', { text: 'Revoke', class: 'danger', on: { click: () => void revoke(d) } }),
        ),
      );
    }
  };
  const rename = async (d: Device): Promise<void> => {
    const input = h('input', { attrs: { value: d.name, maxlength: '100', 'aria-label': 'Device name' } });
    if ((await dialog('Rename device', [input], [{ label: 'Cancel', value: 'cancel' }, { label: 'Rename', value: 'ok', primary: true }])) !== 'ok') return;
    if (input.value.trim()) await api('PATCH', `/api/devices/${encodeURIComponent(d.id)}`, { name: input.value.trim() });
    await load();
  };
  const revoke = async (d: Device): Promise<void> => {
    const choice = await dialog(`Revoke ${d.name}?`, [h('p', { text: 'Its token stops working at once and it is disconnected.' })], [
      { label: 'Cancel', value: 'cancel' },
      { label: 'Revoke', value: 'revoke', danger: true },
    ]);
    if (choice !== 'revoke') return;
    await api('DELETE', `/api/devices/${encodeURIComponent(d.id)}`);
    await load();
  };
  const add = async (): Promise<void> => {
    const input = h('input', { attrs: { value: 'Pi', maxlength: '100', 'aria-label': 'Name of the new device', id: 'new-device-name' } });
    if ((await dialog('Add a device', [input], [{ label: 'Cancel', value: 'cancel' }, { label: 'Add', value: 'ok', primary: true }])) !== 'ok') return;
    const created = await api<{ token: string; device: Device }>('POST', '/api/devices', { name: input.value.trim() || 'Pi' });
    await load();
    const token = h('input', { attrs: { readonly: true, value: created.token, id: 'new-device-token', 'aria-label': 'Device token' } });
    await dialog(
      'Device token',
      [h('p', { text: 'Copy it now: it is shown only this once. Put it in the device’s .env as PICHAT_DEVICE_TOKEN.' }), token],
      [{ label: 'Done', value: 'ok', primary: true }],
    );
  };
  const offUpdate = socket.on('device_updated', () => void load());
  const offRemove = socket.on('device_removed', () => void load());
  const offUsage = socket.on('realtime_usage', (p) => {
    if (p.device_id) void loadCosts();
  });
  await load();
  return {
    el: h('main', { class: 'page' }, h('div', { class: 'page-head' }, h('h2', { text: 'Devices' }), h('button', { text: 'Add a device', class: 'primary', attrs: { id: 'add-device' }, on: { click: () => void add() } })), list),
    dispose: () => (offUpdate(), offRemove(), offUsage()),
  };
}
