import { build, type App, type AppDeps } from '../../server/src/app.js';
import { MemoryDeviceRegistry } from '../../server/src/devices/registry.js';
import { FakeBrain, FakeStt, FakeTts } from '../../server/src/testing/fakes.js';

export interface TestServer {
  app: App;
  url: string;
  httpUrl: string;
  registry: MemoryDeviceRegistry;
  token: string;
  stt: FakeStt;
  brain: FakeBrain;
  tts: FakeTts;
  close(): Promise<void>;
}

/** A real server on a loopback port with in-memory stand-in providers (override any of them). */
export async function startTestServer(overrides: Partial<AppDeps> & { stt?: FakeStt; brain?: FakeBrain; tts?: FakeTts } = {}): Promise<TestServer> {
  const stt = overrides.stt ?? new FakeStt();
  const brain = overrides.brain ?? new FakeBrain();
  const tts = overrides.tts ?? new FakeTts();
  const registry = new MemoryDeviceRegistry();
  const token = 'test-token-1';
  registry.add('kitchen', token);
  const app = build({ registry, ...overrides, providers: overrides.providers ?? { stt, brain, tts } });
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
    close: () => app.close(),
  };
}
