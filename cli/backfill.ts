// audit-ingest backfill: the sweep over a whole container from a workstation, with a
// progress line on stderr and a final table on stdout. Same code as the sweep function.

import { ParseConfigSchema, StoreConfigSchema, loadConfig, parseOptionsFrom, outputOptionsFrom } from '../lib/config';
import { createLogger } from '../lib/log';
import { sweep, type SweepReport } from '../lib/sweep';
import { s3ClientFromConfig, s3ContainerReader, s3ObjectStore } from '../functions/adapters/s3-store';
import { PARSE_FLAGS, parseEnv, readArgs, usageError } from './args';
import type { CliIo } from './audit-ingest';
import { BACKFILL_USAGE } from './backfill-usage';

export async function backfill(argv: string[], io: CliIo): Promise<number> {
  const flags = {
    ...PARSE_FLAGS,
    bucket: { type: 'string' },
    prefix: { type: 'string' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    'dry-run': { type: 'boolean' },
  } as const;
  const args = readArgs(argv, flags, BACKFILL_USAGE, io);
  if (typeof args === 'number') return args;
  if (!args.values.bucket) return usageError(io, '--bucket is required', BACKFILL_USAGE);
  if (args.positionals.length > 0) return usageError(io, `unexpected argument "${args.positionals[0]}"`, BACKFILL_USAGE);
  let parse;
  let store;
  try {
    const env = {
      ...parseEnv(io, args.values),
      ...(args.values.endpoint !== undefined ? { S3_ENDPOINT: args.values.endpoint, S3_FORCE_PATH_STYLE: 'true' } : {}),
      ...(args.values.region !== undefined ? { S3_REGION: args.values.region } : {}),
    };
    parse = loadConfig(ParseConfigSchema, env);
    store = loadConfig(StoreConfigSchema, env);
  } catch (err) {
    io.stderr.write(`audit-ingest: ${(err as Error).message}\n`);
    return 2;
  }
  const client = s3ClientFromConfig(store);
  const reader = s3ContainerReader(client);
  const log = createLogger({ tool: 'audit-ingest' }, { level: 'warn', write: (line) => io.stderr.write(line + '\n') });
  const progress = progressLine(io);
  const options = {
    bucket: args.values.bucket,
    ...(args.values.prefix !== undefined ? { prefix: args.values.prefix } : {}),
    ...parseOptionsFrom(parse),
    ...outputOptionsFrom(parse),
    maxPayloadBytes: 256 * 1024,
    deadline: Number.POSITIVE_INFINITY,
    dryRun: args.values['dry-run'] === true,
    onProgress: progress.update,
  };
  const report = await sweep(reader, { store: s3ObjectStore(client), log, sendFailures: () => Promise.resolve() }, options);
  progress.done();
  io.stdout.write(table(report, args.values['dry-run'] === true));
  return report.failed.length > 0 && !args.values['dry-run'] ? 1 : 0;
}

/** A single updating line on a terminal; nothing when stderr is not one (logs stay clean). */
function progressLine(io: CliIo): { update: (r: SweepReport) => void; done: () => void } {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let n = 0;
  return {
    update: (r) => {
      if (!tty) return;
      const bar = '█'.repeat(Math.min(20, Math.round((20 * (r.upToDate + r.processed + r.failed.length)) / Math.max(1, r.chunks))));
      io.stderr.write(
        `\r${frames[n++ % frames.length]} [${bar.padEnd(20, '░')}] ${r.chunks} chunks seen · ${r.processed} processed · ${r.upToDate} up to date · ${r.failed.length} failed `,
      );
    },
    done: () => {
      if (tty) io.stderr.write('\n');
    },
  };
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
