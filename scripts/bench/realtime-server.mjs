// A PiChat server process for the realtime benchmark: instant stand-in providers for the pipeline, realtime mode on,
// its upstream the stand-in whose address and CA certificate come from the environment. Prints {"port"} when ready.
import { build } from '../../server/dist/app.js';
import { MemoryDeviceRegistry } from '../../server/dist/devices/registry.js';
import { silentLogger } from '../../shared/dist/index.js';
import { createRealtime } from '../../server/dist/realtime/create.js';
import { FakeBrain, FakeStt, FakeTts } from '../../server/dist/testing/fakes.js';

const registry = new MemoryDeviceRegistry();
for (let i = 0; i < 64; i++) registry.add(`bench-${i}`, `bench-token-${i}`);
const realtime = createRealtime(
  {
    PICHAT_VOICE_MODE: 'realtime',
    PICHAT_REALTIME_API_KEY: process.env.RT_KEY,
    PICHAT_REALTIME_BASE_URL: process.env.RT_BASE_URL,
    PICHAT_REALTIME_TRANSCRIPT_WAIT_MS: '200',
  },
  { tts: new FakeTts(), stt: new FakeStt(), log: silentLogger, wsOptions: { ca: process.env.RT_CA } },
);
const app = build({ registry, providers: { stt: new FakeStt(), brain: new FakeBrain(), tts: new FakeTts() }, realtime, limits: { pingIntervalMs: 60_000 } });
const address = await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
