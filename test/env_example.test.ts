import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Every variable a config schema reads is documented in .env.example (generated from the docs' tables). */
describe('.env.example', () => {
  const documented = new Set([...readFileSync('.env.example', 'utf8').matchAll(/^#([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const sources = [
    'server/src/config.ts',
    'server/src/http/web-config.ts',
    'server/src/providers/config.ts',
    'server/src/realtime/config.ts',
    'device/src/config/config.ts',
  ];
  for (const file of sources) {
    it(`documents every variable of ${file}`, () => {
      const text = readFileSync(file, 'utf8');
      const read = new Set([...text.matchAll(/\b((?:PICHAT|AZURE|OPENAI|ELEVENLABS)_[A-Z0-9_]*[A-Z0-9])\b/g)].map((m) => m[1]!));
      const missing = [...read].filter((v) => !documented.has(v) && !/_FORMAT$/.test(v));
      expect(missing).toEqual([]);
    });
  }
});
