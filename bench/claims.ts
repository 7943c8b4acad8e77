// Issue 18's cost figure: event claims per second for one chunk with 10,000 FAILED lines,
// on the local S3 (s3rver, check-then-put) and on Ceph radosgw (If-None-Match), at the
// default EVENT_CLAIM_CONCURRENCY (16) and at others. Three passes per setting, each timed:
//   claim    10,000 new ids (the first sight of the chunk: one create each, plus a read on
//            check-then-put stores)
//   repeat   the same ids again under another alert (a re-upload: create refused + one read)
//   deliver  notify marking the 10,000 claims delivered (one put each)
//   tsx bench/claims.ts        (or BENCH_CLAIMS=1 npm run bench, as a section)
//   BENCH_CLAIMS_EVENTS=10000  BENCH_CLAIMS_CONCURRENCY=16,64,16,64  BENCH_CLAIMS_STORES=s3rver,ceph
// Ceph must be running (scripts/stores/ceph.sh start); a store not answering is skipped with a
// note. Writes .bench/claims.json and prints a table.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { claimEvents, markEventsDelivered, type EventClaimOptions } from '../lib/alerts/event-claims';
import type { ClaimMode } from '../lib/alerts/claims';
import { s3ClaimStore } from '../functions/adapters/s3-claim-store';
import { buildAll } from './bundle';
import { BENCH_DIR, benchPort, ROOT } from './config';
import { startStore } from './store';

const log = (text: string): void => {
  process.stderr.write(`[bench claims ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

export interface ClaimsRun {
  store: string;
  mode: ClaimMode;
  events: number;
  concurrency: number;
  claimSeconds: number;
  repeatSeconds: number;
  deliverSeconds: number;
  /** Claims of new ids per second: the figure that bounds a 10,000-failure chunk. */
  claimsPerSecond: number;
  repeatsPerSecond: number;
  deliveredPerSecond: number;
}

interface Target {
  name: string;
  mode: ClaimMode;
  client: S3Client;
  bucket: string;
  stop(): Promise<void>;
}

const intList = (text: string | undefined, fallback: number[]): number[] =>
  text === undefined || text.trim() === '' ? fallback : text.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await work();
  return [value, Number(process.hrtime.bigint() - start) / 1e9];
}

export async function measureClaims(env: NodeJS.ProcessEnv = process.env): Promise<ClaimsRun[]> {
  const events = intList(env.BENCH_CLAIMS_EVENTS, [10_000])[0] ?? 10_000;
  const levels = intList(env.BENCH_CLAIMS_CONCURRENCY, [16, 64, 16, 64]);
  const stores = (env.BENCH_CLAIMS_STORES ?? 's3rver,ceph').split(',').map((s) => s.trim());
  const runs: ClaimsRun[] = [];
  for (const name of stores) {
    const target = await openTarget(name);
    if (!target) continue;
    try {
      for (const [i, concurrency] of levels.entries()) {
        // Fresh ids per setting: the ids of a line format are digests, so any distinct strings do.
        const tag = `${Date.now().toString(36)}-${i}`;
        const refs = Array.from({ length: events }, (_, n) => ({ id: `bench-${tag}-${n}`, format: 'fscsm' }));
        const options: EventClaimOptions = { store: s3ClaimStore(target.client, target.bucket), mode: target.mode, owner: 'bench', leaseMs: 6 * 3600_000, concurrency };
        log(`${name} (${target.mode}): ${events} claims at concurrency ${concurrency}`);
        const [claimed, claimSeconds] = await timed(() => claimEvents(refs, `alert-${tag}-a`, options));
        if (claimed.fresh.length !== events) throw new Error(`${name}: ${claimed.fresh.length} of ${events} claimed as new`);
        const [again, repeatSeconds] = await timed(() => claimEvents(refs, `alert-${tag}-b`, options));
        if (again.repeats !== events) throw new Error(`${name}: ${again.repeats} of ${events} seen as repeats`);
        const delivered = claimed.fresh.map(({ event, generation }) => ({ ...event, claim: generation }));
        const [marked, deliverSeconds] = await timed(() => markEventsDelivered(delivered, `alert-${tag}-a`, options));
        if (marked !== events) throw new Error(`${name}: ${marked} of ${events} marked delivered`);
        const run: ClaimsRun = {
          store: name,
          mode: target.mode,
          events,
          concurrency,
          claimSeconds,
          repeatSeconds,
          deliverSeconds,
          claimsPerSecond: events / claimSeconds,
          repeatsPerSecond: events / repeatSeconds,
          deliveredPerSecond: events / deliverSeconds,
        };
        runs.push(run);
        log(`  claim ${claimSeconds.toFixed(2)} s, repeat ${repeatSeconds.toFixed(2)} s, deliver ${deliverSeconds.toFixed(2)} s`);
      }
    } finally {
      await target.stop();
    }
  }
  return runs;
}

async function openTarget(name: string): Promise<Target | undefined> {
  if (name === 's3rver') {
    const bundles = await buildAll();
    const store = await startStore(bundles.s3Server, benchPort());
    return { name, mode: 'check-then-put', client: store.client, bucket: store.bucket, stop: () => store.stop() };
  }
  if (name === 'ceph') {
    const endpoint = `http://127.0.0.1:${process.env.RGW_PORT ?? '7480'}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'TESTACCESSKEY', secretAccessKey: 'TESTSECRETKEY' } });
    const bucket = `bench-claims-${Date.now().toString(36)}`;
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      client.destroy();
      log(`ceph at ${endpoint} is not answering (${(err as Error).message}): skipped; start it with scripts/stores/ceph.sh start`);
      return undefined;
    }
    return { name, mode: 'conditional', client, bucket, stop: () => Promise.resolve(client.destroy()) };
  }
  throw new Error(`BENCH_CLAIMS_STORES: unknown store "${name}" (s3rver, ceph)`);
}

export function renderClaims(runs: ClaimsRun[]): string {
  const lines = ['store   mode             events  conc   claim/s  repeat/s  deliver/s  10,000 claimed in'];
  for (const r of runs) {
    lines.push(
      `${r.store.padEnd(7)} ${r.mode.padEnd(15)} ${String(r.events).padStart(7)} ${String(r.concurrency).padStart(5)} ${r.claimsPerSecond.toFixed(0).padStart(9)} ${r.repeatsPerSecond.toFixed(0).padStart(9)} ${r.deliveredPerSecond.toFixed(0).padStart(10)} ${`${(10_000 / r.claimsPerSecond).toFixed(1)} s`.padStart(18)}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await mkdir(BENCH_DIR, { recursive: true });
  const runs = await measureClaims();
  await writeFile(join(BENCH_DIR, 'claims.json'), JSON.stringify({ at: new Date().toISOString(), runs }, null, 2) + '\n');
  process.stdout.write(renderClaims(runs) + '\n');
  log(`wrote ${join(BENCH_DIR, 'claims.json').replace(`${ROOT}/`, '')}`);
}

if (process.argv[1]?.endsWith('bench/claims.ts')) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench claims: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
