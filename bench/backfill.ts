// Issue 20's measurement: `audit-ingest backfill` (dist/cli.cjs, as users run it) over a
// container of many small chunks and one of 10 MB chunks, at --concurrency 1 and 8, on the
// local S3 (s3rver) and on Swift. Small chunks go through a proxy that delays each request
// (BENCH_BACKFILL_DELAY_MS, 20): a real store's round trip, which concurrency exists to hide;
// without it a local store on two cores is CPU-bound at any concurrency. Each run starts
// on a fresh prefix of the same chunks, so every run ingests all of them.
//   tsx bench/backfill.ts                 (or BENCH_BACKFILL=1 npm run bench, as a section)
//   BENCH_BACKFILL_SMALL=2000  BENCH_BACKFILL_LARGE=50   how many chunks of each kind (0: skip the set)
//   BENCH_BACKFILL_CONCURRENCY=1,8  BENCH_BACKFILL_STORES=s3rver,swift
// Swift must be running (scripts/stores/swift.sh start); a store that is not answering is
// skipped with a note. Writes .bench/backfill.json and prints a table.

import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildAll } from './bundle';
import { BENCH_DIR, benchPort, ROOT, selectedSizes } from './config';
import { startDelayProxy } from './delay-proxy';
import { ensurePlainChunk } from './generate';
import { runOnce } from './measure';
import { startStore } from './store';

const log = (text: string): void => {
  process.stderr.write(`[bench backfill ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

export interface BackfillRun {
  store: string;
  set: 'small' | 'large';
  chunks: number;
  bytes: number;
  concurrency: number;
  delayMs: number;
  seconds: number;
  chunksPerSecond: number;
  mbPerSecond: number;
  maxRssMiB: number | undefined;
}

const SMALL_LINES = 20;
function smallChunk(i: number): Buffer {
  const lines = Array.from({ length: SMALL_LINES }, (_, j) => `2015/06/29 14:35:${String(j % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}\tuser${i}\tdelete user:u-${i}-${j}\t${j % 7 ? 'SUCCESS' : 'FAILED'}\n`);
  return Buffer.from(lines.join(''));
}

/** A chunk count: a non-negative integer (0 skips the set), else the default. */
const count = (text: string | undefined, fallback: number): number => {
  const n = Number(text?.trim() || NaN);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
};
const intList = (text: string | undefined, fallback: number[]): number[] =>
  text === undefined || text.trim() === '' ? fallback : text.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);

interface Target {
  name: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  stop(): Promise<void>;
}

async function putMany(client: S3Client, bucket: string, keys: string[], body: (i: number) => Buffer): Promise<void> {
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map((Key, j) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body(i + j) }))));
  }
}

export async function measureBackfill(env: NodeJS.ProcessEnv = process.env): Promise<BackfillRun[]> {
  const small = count(env.BENCH_BACKFILL_SMALL, 2000);
  const large = count(env.BENCH_BACKFILL_LARGE, 50);
  const levels = intList(env.BENCH_BACKFILL_CONCURRENCY, [1, 8]);
  const delayMs = Number(env.BENCH_BACKFILL_DELAY_MS ?? 20);
  const stores = (env.BENCH_BACKFILL_STORES ?? 's3rver,swift').split(',').map((s) => s.trim());
  const bundles = await buildAll();
  const tenMb = selectedSizes({ BENCH_SIZES: '10MB' })[0];
  if (!tenMb) throw new Error('no 10MB chunk spec');
  const bigFile = (await ensurePlainChunk(tenMb)).path;
  const big = readFileSync(bigFile);
  const runs: BackfillRun[] = [];

  for (const name of stores) {
    const target = await openTarget(name, bundles.s3Server);
    if (!target) continue;
    const client = new S3Client({ endpoint: target.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: target.credentials });
    try {
      for (const set of ['small', 'large'] as const) {
        const n = set === 'small' ? small : large;
        if (n === 0) continue; // BENCH_BACKFILL_SMALL=0 or _LARGE=0: that set is not measured
        for (const concurrency of levels) {
          const prefix = `backfill-${set}-c${concurrency}-${Date.now().toString(36)}/`;
          log(`${name}: uploading ${n} ${set} chunks under ${prefix}`);
          const keys = Array.from({ length: n }, (_, i) => `${prefix}chunk-${String(i).padStart(5, '0')}.log`);
          await putMany(client, target.bucket, keys, set === 'small' ? smallChunk : () => big);
          const bytes = set === 'small' ? keys.reduce((s, _k, i) => s + smallChunk(i).length, 0) : n * big.length;
          const proxy = set === 'small' && delayMs > 0 ? await startDelayProxy(target.endpoint, delayMs) : undefined;
          try {
            log(`${name}: backfill ${n} ${set} chunks at --concurrency ${concurrency}${proxy ? ` through a ${delayMs} ms proxy` : ''}`);
            const res = await runOnce({
              command: process.execPath,
              args: [bundles.cli, 'backfill', '--bucket', target.bucket, '--prefix', prefix, '--endpoint', proxy?.url ?? target.endpoint, '--concurrency', String(concurrency), '--no-alerts'],
              env: {
                ...process.env,
                S3_ACCESS_KEY_ID: target.credentials.accessKeyId,
                S3_SECRET_ACCESS_KEY: target.credentials.secretAccessKey,
                S3_REGION: 'us-east-1',
                AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
              },
              stdoutFile: join(BENCH_DIR, 'backfill-last.txt'),
            });
            const table = readFileSync(join(BENCH_DIR, 'backfill-last.txt'), 'utf8');
            const processed = Number(/^processed\s+(\d+)$/m.exec(table)?.[1]);
            if (processed !== n) throw new Error(`${name} ${set} c${concurrency}: processed ${processed} of ${n}:\n${table}`);
            runs.push({
              store: name,
              set,
              chunks: n,
              bytes,
              concurrency,
              delayMs: proxy ? delayMs : 0,
              seconds: res.seconds,
              chunksPerSecond: n / res.seconds,
              mbPerSecond: bytes / 1e6 / res.seconds,
              maxRssMiB: res.maxRssKiB === undefined ? undefined : res.maxRssKiB / 1024,
            });
            log(`  ${res.seconds.toFixed(2)} s, peak RSS ${res.maxRssKiB === undefined ? '?' : (res.maxRssKiB / 1024).toFixed(0)} MiB`);
          } finally {
            await proxy?.close();
          }
        }
      }
    } finally {
      client.destroy();
      await target.stop();
    }
  }
  return runs;
}

async function openTarget(name: string, s3Server: string): Promise<Target | undefined> {
  if (name === 's3rver') {
    const store = await startStore(s3Server, benchPort());
    return { name, endpoint: store.endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, bucket: store.bucket, stop: () => store.stop() };
  }
  if (name === 'swift') {
    const endpoint = `http://127.0.0.1:${process.env.S3_PORT ?? '8080'}`;
    const credentials = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      await client.send(new ListBucketsCommand({}));
      await client.send(new CreateBucketCommand({ Bucket: 'bench-backfill' })).catch((err: { name?: string }) => {
        if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
      });
    } catch (err) {
      log(`swift at ${endpoint} is not answering (${(err as Error).message}): skipped; start it with scripts/stores/swift.sh start`);
      return undefined;
    } finally {
      client.destroy();
    }
    return { name, endpoint, credentials, bucket: 'bench-backfill', stop: () => Promise.resolve() };
  }
  throw new Error(`BENCH_BACKFILL_STORES: unknown store "${name}" (s3rver, swift)`);
}

/** The runs as a table, with each set's speed-up and RSS ratio against the lowest concurrency. */
export function renderBackfill(runs: BackfillRun[]): string {
  const lines = ['store   set    chunks  conc  delay     time   chunks/s    MB/s  peak RSS  speed-up  RSS ratio'];
  for (const r of runs) {
    const base = runs.find((b) => b.store === r.store && b.set === r.set && b.chunks === r.chunks);
    const speedUp = base ? base.seconds / r.seconds : NaN;
    const rss = base?.maxRssMiB && r.maxRssMiB ? r.maxRssMiB / base.maxRssMiB : NaN;
    lines.push(
      `${r.store.padEnd(7)} ${r.set.padEnd(6)} ${String(r.chunks).padStart(6)} ${String(r.concurrency).padStart(5)} ${`${r.delayMs} ms`.padStart(6)} ${`${r.seconds.toFixed(2)} s`.padStart(8)} ${r.chunksPerSecond.toFixed(1).padStart(10)} ${r.mbPerSecond.toFixed(1).padStart(7)} ${(r.maxRssMiB === undefined ? '?' : `${r.maxRssMiB.toFixed(0)} MiB`).padStart(9)} ${`${speedUp.toFixed(2)}×`.padStart(9)} ${`${rss.toFixed(2)}×`.padStart(10)}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await mkdir(BENCH_DIR, { recursive: true });
  const runs = await measureBackfill();
  await writeFile(join(BENCH_DIR, 'backfill.json'), JSON.stringify({ at: new Date().toISOString(), runs }, null, 2) + '\n');
  process.stdout.write(renderBackfill(runs) + '\n');
  log(`wrote ${join(BENCH_DIR, 'backfill.json').replace(`${ROOT}/`, '')}`);
}

if (process.argv[1]?.endsWith('bench/backfill.ts')) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench backfill: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
