/**
 * A minimal leveled logger for the device daemon and the server, one line per event on stderr (journald adds
 * timestamps under systemd). Messages are fixed strings; variable data goes in `fields`. Never put transcripts,
 * replies, prompts or tokens in either: logs leave the machine in bug reports.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function show(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = ORDER[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (ORDER[lvl] < min) return;
    const extra = fields
      ? Object.entries(fields)
          .map(([k, v]) => `${k}=${show(v)}`)
          .join(' ')
      : '';
    write(`${lvl.toUpperCase().padEnd(5)} ${message}${extra ? ` ${extra}` : ''}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = createLogger('silent');

/** A logger that keeps its lines, for tests that assert on feedback. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger('debug', (l) => lines.push(l.trimEnd())), { lines });
}
