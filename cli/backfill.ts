// audit-ingest backfill: the sweep over a whole container from a workstation, with a
// progress line on stderr and a final table on stdout. Same code as the sweep function.

import { createLogger } from '../lib/log';
import { rateLimiter } from '../lib/rate-limit';
import { sweep, type SweepOptions, type SweepReport } from '../lib/sweep';
import { createLambdaClient, ingestInvoker } from '../functions/adapters/lambda-invoke';
import { readArgs, usageError } from './args';
import type { CliIo } from './io';
import { BACKFILL_USAGE } from './backfill-usage';
import { progressLine } from './progress';
import { SWEEP_FLAGS, sweepFromArgs } from './sweep-setup';

export async function backfill(argv: string[], io: CliIo): Promise<number> {
  const args = readArgs(
    argv,
    { ...SWEEP_FLAGS, 'dry-run': { type: 'boolean' }, 'via-lambda': { type: 'string' }, rate: { type: 'string' } } as const,
    BACKFILL_USAGE,
    io,
  );
  if (typeof args === 'number') return args;
  const log = createLogger({ tool: 'audit-ingest' }, { level: 'warn', write: (line) => io.stderr.write(line + '\n') });
  const setup = sweepFromArgs(args, BACKFILL_USAGE, io, log);
  if (typeof setup === 'number') return setup;
  const bucket = setup.options.bucket;
  const dryRun = args.values['dry-run'] === true;
  const viaLambda = args.values['via-lambda'];
  const rate = Number(args.values.rate ?? 20);
  if (!(rate > 0)) return usageError(io, `--rate must be a positive number of invocations a second, not "${args.values.rate}"`, BACKFILL_USAGE);
  const handOff = viaLambda === undefined ? {} : { handOff: lambdaHandOff(viaLambda, bucket, rate, io) };
  const progress = progressLine(io);
  const report = await sweep(setup.reader, setup.deps, {
    ...setup.options,
    ...handOff,
    dryRun,
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: progress.update,
  });
  progress.done();
  io.stdout.write(table(report, dryRun, viaLambda !== undefined));
  if (!report.complete) io.stderr.write('audit-ingest: stopped before the end of the listing; run it again to go on\n');
  return (report.failed.length > 0 && !dryRun) || !report.complete ? 1 : 0;
}

/**
 * --via-lambda: each stale chunk goes to the ingest function as an async invoke of the S3
 * event for it (at most `rate` a second), so the function's outputs, retries, dead-letter
 * queue and alerts apply. LAMBDA_ENDPOINT points it at serverless-offline.
 */
function lambdaHandOff(functionName: string, bucket: string, rate: number, io: CliIo): NonNullable<SweepOptions['handOff']> {
  const region = io.env.AWS_REGION ?? 'us-east-1';
  const invoke = ingestInvoker(createLambdaClient(io.env.LAMBDA_ENDPOINT || undefined), functionName, region);
  const slot = rateLimiter(rate);
  return async (obj) => {
    await slot();
    await invoke(bucket, obj);
  };
}

function table(r: SweepReport, dryRun: boolean, viaLambda: boolean): string {
  const totals: [string, number][] = viaLambda
    ? [['handed to ingest', r.handedOff ?? 0], ['failed', r.failed.length]]
    : [['processed', r.processed], ['failed', r.failed.length], ['records parsed', r.totals.parsed], ['error records', r.totals.errors], ['FAILED operations', r.totals.failedOperations]];
  const rows: [string, number][] = [
    ['objects listed', r.listed],
    ['chunks', r.chunks],
    ['already up to date', r.upToDate],
    ...(dryRun ? ([['would be processed', r.stale.length]] as [string, number][]) : totals),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${String(v).padStart(8)}`);
  if (!dryRun) for (const f of r.failed) lines.push(`failed: ${f.key}: ${f.error}`);
  if (dryRun) for (const key of r.stale) lines.push(`would process: ${key}`);
  return lines.join('\n') + '\n';
}
