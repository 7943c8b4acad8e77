// audit-ingest watch: backfill's sweep on a timer, for a server or a systemd unit (see
// deploy/systemd/). One JSON line per pass on stdout; warnings and errors on stderr.

import { createLogger } from '../lib/log';
import { sweep } from '../lib/sweep';
import { watch } from '../lib/watch';
import { readArgs, usageError } from './args';
import type { CliIo } from './io';
import { SWEEP_FLAGS, sweepFromArgs } from './sweep-setup';
import { WATCH_USAGE } from './watch-usage';

/** "90s", "5m", "1h" or a number of seconds, in ms; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
  return ms > 0 ? ms : undefined;
}

export async function watchCommand(argv: string[], io: CliIo): Promise<number> {
  const args = readArgs(argv, { ...SWEEP_FLAGS, every: { type: 'string' } } as const, WATCH_USAGE, io);
  if (typeof args === 'number') return args;
  const everyMs = parseDuration(args.values.every ?? '5m');
  if (everyMs === undefined) return usageError(io, `--every must be a duration such as 30s, 5m or 1h, not "${args.values.every}"`, WATCH_USAGE);
  const base = { tool: 'audit-ingest', command: 'watch', ...(args.values.bucket !== undefined ? { bucket: args.values.bucket } : {}), ...(args.values.prefix !== undefined ? { prefix: args.values.prefix } : {}) };
  const log = createLogger(base, { level: 'warn', write: (line) => io.stderr.write(line + '\n') });
  const passLog = createLogger(base, { level: 'info', write: (line, level) => (level === 'info' ? io.stdout : io.stderr).write(line + '\n') });
  const setup = sweepFromArgs(args, WATCH_USAGE, io, log);
  if (typeof setup === 'number') return setup;
  passLog.info('watch started', { everyMs, concurrency: setup.options.concurrency, alertSinks: setup.alertSinks });
  const signal = io.signal ?? new AbortController().signal;
  const result = await watch((s) => sweep(setup.reader, setup.deps, { ...setup.options, signal: s }), { everyMs, signal, log: passLog });
  passLog.info('watch stopped', { ...result });
  return 0;
}
