import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * The full path of `command` as a shell would find it on `PATH`, or undefined. Used before handing a command to a
 * library that spawns it without an `error` listener (a missing binary would then crash the process).
 */
export function findCommand(command: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = isAbsolute(command) ? [command] : path.split(delimiter).filter(Boolean).map((d) => join(d, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
