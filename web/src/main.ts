import './style.css';
import { api, ApiError, type Conversation, type Device } from './api.js';
import { h } from './dom.js';
import { ChatSocket } from './socket.js';
import { ConversationView } from './views/conversation.js';
import { devicesView } from './views/devices.js';
import { loginView } from './views/login.js';
import { settingsView } from './views/settings.js';
import { Sidebar } from './views/sidebar.js';

/**
 * The PiChat web UI. Routes by hash: #/ (chats), #/c/<id> (a conversation), #/settings, #/devices. Data comes over
 * the chat socket (live) and REST (devices, login, export).
 */
const root = document.getElementById('app')!;

async function start(): Promise<void> {
  try {
    await api('GET', '/api/session');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    await loginView(root);
  }
  run();
}

function run(): void {
  const socket = new ChatSocket();
  const deviceNames = new Map<string, string>();
  const refreshDevices = (): void =>
    void api<{ devices: Device[] }>('GET', '/api/devices').then((r) => r.devices.forEach((d) => deviceNames.set(d.id, d.name)), () => undefined);
  const status = h('span', { class: 'link-status', attrs: { role: 'status' } });
  const nav = h(
    'nav',
    { attrs: { 'aria-label': 'Main' } },
    h('a', { text: 'Chats', attrs: { href: '#/' } }),
    h('a', { text: 'Settings', attrs: { href: '#/settings' } }),
    h('a', { text: 'Devices', attrs: { href: '#/devices' } }),
    h('button', { text: 'Log out', attrs: { id: 'logout' }, on: { click: () => void api('POST', '/api/logout').then(() => location.reload()) } }),
  );
  const body = h('div', { class: 'body' });
  root.replaceChildren(h('header', { class: 'top' }, h('h1', { text: 'PiChat' }), status, nav), body);

  const open = (id: string | undefined): void => {
    location.hash = id ? `#/c/${encodeURIComponent(id)}` : '#/new';
  };
  const sidebar = new Sidebar(socket, open);
  const view = new ConversationView(socket, {
    onCreated: (c: Conversation) => {
      sidebar.upsert(c);
      if (view.currentId !== c.id) open(c.id);
    },
    onDeleted: (id) => {
      sidebar.remove(id);
      location.hash = '#/';
    },
    onBack: () => (location.hash = '#/'),
    deviceName: (id) => (id ? (deviceNames.get(id) ?? 'a device') : 'a device'),
  });
  const chat = h('div', { class: 'chat' }, sidebar.el, view.el);
  let dispose: (() => void) | undefined;

  const route = async (): Promise<void> => {
    dispose?.();
    dispose = undefined;
    const hash = location.hash || '#/';
    for (const a of nav.querySelectorAll('a')) a.setAttribute('aria-current', String(a.getAttribute('href') === hash || (a.getAttribute('href') === '#/' && /^#\/(c\/|new|$)/.test(hash))));
    if (!socket.open) return;
    if (hash === '#/settings') return void body.replaceChildren(await settingsView(socket));
    if (hash === '#/devices') {
      const d = await devicesView(socket);
      dispose = d.dispose;
      return void body.replaceChildren(d.el);
    }
    body.replaceChildren(chat);
    const match = /^#\/c\/(.+)$/.exec(hash);
    const id = match ? decodeURIComponent(match[1]!) : undefined;
    chat.classList.toggle('show-view', Boolean(match) || hash === '#/new');
    sidebar.select(id);
    await view.show(id).catch(() => (location.hash = '#/'));
  };
  socket.onStatus = (online) => (status.textContent = online ? '' : 'Reconnecting…');
  socket.onOpen = () => {
    refreshDevices();
    void sidebar.load().then(route);
  };
  socket.on('device_updated', refreshDevices);
  window.addEventListener('hashchange', () => void route());
  socket.connect();
}

void start();
