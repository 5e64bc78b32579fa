#!/usr/bin/env node
// A PiChat server with instant stand-in providers, for benchmarks: prints {"port": N} on stdout when listening.
// Env: BENCH_TOKEN (device token to accept).
import { build } from '../../server/dist/app.js';
import { MemoryDeviceRegistry } from '../../server/dist/devices/registry.js';
import { FakeBrain, FakeStt, FakeTts } from '../../server/dist/testing/fakes.js';

const registry = new MemoryDeviceRegistry();
registry.add('bench', process.env.BENCH_TOKEN ?? 'bench-token');
const app = build({
  registry,
  providers: { stt: new FakeStt(), brain: new FakeBrain(() => 'It is ten past three.'), tts: new FakeTts({ msPerChar: 10 }) },
});
const address = await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
