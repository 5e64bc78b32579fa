import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig: PICHAT_STT_SECOND_PASS', () => {
  it('defaults to the duration check, takes off / duration / all and names itself for anything else', () => {
    expect(loadConfig({}).PICHAT_STT_SECOND_PASS).toBe('duration');
    for (const mode of ['off', 'duration', 'all'] as const) expect(loadConfig({ PICHAT_STT_SECOND_PASS: mode }).PICHAT_STT_SECOND_PASS).toBe(mode);
    expect(() => loadConfig({ PICHAT_STT_SECOND_PASS: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ PICHAT_STT_SECOND_PASS: 'true' })).toThrow(/PICHAT_STT_SECOND_PASS/);
  });
});
