// audit-ingest backfill: the sweep over a whole container from a workstation, with a
// progress line on stderr and a final table on stdout. Same code as the sweep function.

import { createLogger } from '../lib/log';
import { sweep, type SweepReport } from '../lib/sweep';
import { readArgs, usageError } from './args';
import type { CliIo } from './audit-ingest';
import { BACKFILL_USAGE } from './backfill-usage';
import { progressLine } from './progress';
import { cliSweep, SWEEP_FLAGS, type CliSweep } from './sweep-setup';

export async function backfill(argv: string[], io: CliIo): Promise<number> {
  const args = readArgs(argv, { ...SWEEP_FLAGS, 'dry-run': { type: 'boolean' } } as const, BACKFILL_USAGE, io);
  if (typeof args === 'number') return args;
  const bucket = args.values.bucket;
  if (!bucket) return usageError(io, '--bucket is required', BACKFILL_USAGE);
  if (args.positionals.length > 0) return usageError(io, `unexpected argument "${args.positionals[0]}"`, BACKFILL_USAGE);
  const log = createLogger({ tool: 'audit-ingest' }, { level: 'warn', write: (line) => io.stderr.write(line + '\n') });
  let setup: CliSweep;
  try {
    setup = cliSweep({ ...args.values, bucket }, io, log);
  } catch (err) {
    io.stderr.write(`audit-ingest: ${(err as Error).message}\n`);
    return 2;
  }
  const dryRun = args.values['dry-run'] === true;
  const progress = progressLine(io);
  const report = await sweep(setup.reader, setup.deps, {
    ...setup.options,
    dryRun,
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: progress.update,
  });
  progress.done();
  io.stdout.write(table(report, dryRun));
  if (!report.complete) io.stderr.write('audit-ingest: stopped before the end of the listing; run it again to go on\n');
  return (report.failed.length > 0 && !dryRun) || !report.complete ? 1 : 0;
}

function table(r: SweepReport, dryRun: boolean): string {
  const rows: [string, number][] = [
    ['objects listed', r.listed],
    ['chunks', r.chunks],
    ['already up to date', r.upToDate],
    [dryRun ? 'would be processed' : 'processed', dryRun ? r.stale.length : r.processed],
    ...(dryRun ? [] : ([['failed', r.failed.length], ['records parsed', r.totals.parsed], ['error records', r.totals.errors], ['FAILED operations', r.totals.failedOperations]] as [string, number][])),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${String(v).padStart(8)}`);
  if (!dryRun) for (const f of r.failed) lines.push(`failed: ${f.key}: ${f.error}`);
  if (dryRun) for (const key of r.stale) lines.push(`would process: ${key}`);
  return lines.join('\n') + '\n';
}
