// Structured JSON logging: one object per line on stdout/stderr, which CloudWatch Logs and
// `jq` both read. Deliberately tiny; context (bucket, key, line) is passed per call.

type Level = 'debug' | 'info' | 'warn' | 'error';
/** LOG_LEVEL may also be "silent" (the unit tests use it). */
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
  child(context: Record<string, unknown>): Logger;
}

export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: Level | 'silent'; write?: (line: string, level: Level) => void } = {},
): Logger {
  const min = ORDER[options.level ?? (process.env.LOG_LEVEL as Level | 'silent' | undefined) ?? 'info'] ?? ORDER.info;
  const write =
    options.write ?? ((line: string, level: Level) => (level === 'error' ? process.stderr : process.stdout).write(line + '\n'));
  const emit = (level: Level, message: string, context?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...context }, errorReplacer), level);
  };
  return {
    debug: (m, c) => emit('debug', m, c),
    info: (m, c) => emit('info', m, c),
    warn: (m, c) => emit('warn', m, c),
    error: (m, c) => emit('error', m, c),
    child: (context) => createLogger({ ...base, ...context }, options),
  };
}

/** Errors are not enumerable: log their name, message and code instead of "{}". */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}
