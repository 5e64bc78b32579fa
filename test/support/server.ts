import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type App, type AppDeps } from '../../server/src/app.js';
import { MemoryDeviceRegistry, type DeviceRegistry } from '../../server/src/devices/registry.js';
import { openStore, type SqliteStore } from '../../server/src/store/sqlite.js';
import { FakeBrain, FakeStt, FakeTts } from '../../server/src/testing/fakes.js';

export interface TestServer {
  app: App;
  url: string;
  httpUrl: string;
  /** The device registry: in memory, or the store's devices table with `store: true`. */
  registry: DeviceRegistry & { add(name: string, token: string): unknown };
  token: string;
  stt: FakeStt;
  brain: FakeBrain;
  tts: FakeTts;
  /** With `store: true`: the SQLite store in a temporary directory, and the admin password. */
  store?: SqliteStore;
  admin?: { username: string; password: string };
  close(): Promise<void>;
}

/**
 * A real server on a loopback port with in-memory stand-in providers (override any of them). With `store: true`
 * it also has the history store (a temporary SQLite file), the web chat, REST and the admin login.
 */
export async function startTestServer(
  overrides: Partial<Omit<AppDeps, 'store'>> & { stt?: FakeStt; brain?: FakeBrain; tts?: FakeTts; store?: boolean } = {},
): Promise<TestServer> {
  const stt = overrides.stt ?? new FakeStt();
  const brain = overrides.brain ?? new FakeBrain();
  const tts = overrides.tts ?? new FakeTts();
  const { store: withStore, ...deps } = overrides;
  let dir: string | undefined;
  let store: SqliteStore | undefined;
  let registry: TestServer['registry'];
  if (withStore) {
    dir = mkdtempSync(join(tmpdir(), 'pichat-test-'));
    store = openStore(dir);
    registry = store.devices;
  } else {
    registry = new MemoryDeviceRegistry();
  }
  const token = 'test-token-1';
  registry.add('kitchen', token);
  const app = build({ registry, ...deps, ...(store ? { store } : {}), providers: deps.providers ?? { stt, brain, tts } });
  let admin: TestServer['admin'];
  if (app.auth) {
    // Generated, as on a first start without PICHAT_ADMIN_PASSWORD, so that the web can change it.
    const { username, generatedPassword } = await app.auth.ensureAdmin('admin');
    admin = { username, password: generatedPassword! };
  }
  const address = await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `ws://127.0.0.1:${address.port}/ws/device`,
    httpUrl: `http://127.0.0.1:${address.port}`,
    registry,
    token,
    stt,
    brain,
    tts,
    ...(store ? { store } : {}),
    ...(admin ? { admin } : {}),
    close: async () => {
      await app.close();
      store?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
