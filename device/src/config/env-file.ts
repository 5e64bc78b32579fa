import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';

export const SYSTEM_ENV_FILE = '/etc/pichat/device.env';
export const LOCAL_ENV_FILE = 'device.env';

export type EnvFile =
  | { ok: true; path: string | undefined; values: Record<string, string> }
  | { ok: false; problem: string };

/**
 * Reads the daemon's dotenv file: `PICHAT_DEVICE_ENV` if set (then it must exist), else `/etc/pichat/device.env` if
 * it exists, else `./device.env` if it exists, else none. Never throws.
 */
export function readEnvFile(
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
  systemPath = SYSTEM_ENV_FILE,
): EnvFile {
  const explicit = env.PICHAT_DEVICE_ENV?.trim();
  const candidates = explicit ? [resolve(cwd, explicit)] : [systemPath, resolve(cwd, LOCAL_ENV_FILE)];
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    return explicit ? { ok: false, problem: `PICHAT_DEVICE_ENV: ${candidates[0]} does not exist` } : { ok: true, path, values: {} };
  }
  try {
    return { ok: true, path, values: parse(readFileSync(path)) };
  } catch (error) {
    return { ok: false, problem: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The process environment wins over the file, as systemd's `Environment=` should. */
export function mergeEnv(
  file: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return { ...file, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
}
