// The rollover scenario of an FSCSM log folder, end to end on real processes: a log4j 1.x
// RollingFileAppender-style writer (on rollover .8 -> .9 ... .1 -> .2, the active file -> .1,
// a new empty active file) rolls over at a small size through all 9 generations, and after
// every write and every rollover the folder is synced with the real AWS CLI (`aws s3 sync`,
// Debian's awscli), as an operator's scheduled task does. Every sync of the growing file and
// every rename uploads its earlier FAILED lines again; each must be alerted exactly once.
// Then ten copies of one new chunk arrive at once under ten keys (an at-least-once shipper):
// with conditional claims (Ceph, AWS) each event is alerted once.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/http-receiver';
import { ingested, put, until } from '../support/ingested';
import { startTarget, storeName, type StoreTarget } from '../support/store-targets';

const run = promisify(execFile);
/** Debian's awscli (/usr/bin/aws) rather than whatever `aws` comes first on PATH. */
const AWS = process.env.AWS_CLI ?? (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');
const HAS_AWS = existsSync(AWS) || AWS === 'aws';
const RUN = Date.now().toString(36);
const MAX_FILE_BYTES = 250;
const BACKUPS = 9;

let target: StoreTarget;
let receiver: Receiver;
let dir: string;

beforeAll(async () => {
  receiver = await startReceiver();
  target = await startTarget(storeName(), { webhookUrl: receiver.url });
  dir = await mkdtemp(join(tmpdir(), 'fscsm-logs-'));
});

afterAll(async () => {
  await target?.stop();
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface AlertBody {
  source: { key: string };
  failedCount: number;
  failures: { timestamp: string; actor: string; operation: string }[];
  more: number;
  repeats: number;
}
const alerts = () => receiver.received.map((r) => r.json as AlertBody);

/** `aws s3 sync` of the folder; returns the keys it uploaded (size or mtime changed, or new). */
async function sync(prefix: string): Promise<string[]> {
  const { stdout } = await run(AWS, ['s3', 'sync', dir, `s3://${target.bucket}/${prefix}`, '--endpoint-url', target.endpoint, '--no-progress'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: target.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: target.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  const keys = [...stdout.matchAll(/^upload: .+ to s3:\/\/[^/]+\/(.+)$/gm)].map((m) => m[1] ?? '');
  for (const key of keys) await target.afterUpload(key, (await stat(join(dir, key.slice(prefix.length)))).size);
  return keys;
}

/** log4j 1.x RollingFileAppender.rollOver(): drop the oldest, shift the rest, start afresh. */
async function rollOver(active: string): Promise<void> {
  await rm(`${active}.${BACKUPS}`, { force: true });
  for (let i = BACKUPS - 1; i >= 1; i--) if (existsSync(`${active}.${i}`)) await rename(`${active}.${i}`, `${active}.${i + 1}`);
  await rename(active, `${active}.1`);
  await writeFile(active, '');
}

function line(n: number, failed: boolean): string {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString().replace('T', ' ').replace('Z', '').replace(/-/g, '/');
  return `${t}\top_manager\tcreate user:user-${n}-${RUN}\t${failed ? 'FAILED' : 'SUCCESS'}\r\n`;
}

// CI installs the AWS CLI (scripts/stores/install.sh cli) and sets REQUIRE_AWS_CLI=1, so the
// suite cannot be skipped there; elsewhere a machine without it skips with this message.
if (!HAS_AWS && process.env.REQUIRE_AWS_CLI !== '1') console.warn('rollover suite skipped: no AWS CLI (sudo scripts/stores/install.sh cli)');

describe.skipIf(!HAS_AWS && process.env.REQUIRE_AWS_CLI !== '1')(`FSCSM log folder synced with the AWS CLI to ${storeName()}`, () => {
  it('alerts every FAILED line exactly once through 9 rollovers, with no empty alert', { timeout: 300_000 }, async () => {
    const prefix = `rollover-${RUN}/`;
    const active = join(dir, 'fscsm_audit.log');
    await writeFile(active, '');
    const failed = new Set<string>();
    const uploaded: string[] = [];
    let rollovers = 0;
    for (let n = 1; rollovers < BACKUPS + 1; n++) {
      const isFailed = n % 3 === 0;
      const text = line(n, isFailed);
      if (isFailed) failed.add(`create user:user-${n}-${RUN}`);
      await appendFile(active, text);
      uploaded.push(...(await sync(prefix)));
      if ((await stat(active)).size >= MAX_FILE_BYTES) {
        await rollOver(active);
        rollovers += 1;
        uploaded.push(...(await sync(prefix)));
      }
    }
    // Every upload was ingested (its latest version's summary), then notify had its chance.
    for (const key of new Set(uploaded.filter((k) => !k.endsWith('fscsm_audit.log')))) await ingested(target, key);
    await ingested(target, `${prefix}fscsm_audit.log`);
    const alerted = () => alerts().filter((a) => a.source.key.startsWith(prefix));
    await until(() => alerted().reduce((sum, a) => sum + a.failedCount, 0) >= failed.size, 60_000);
    await new Promise((r) => setTimeout(r, 3_000)); // a late duplicate would arrive by now

    const mine = alerted();
    const operations = mine.flatMap((a) => a.failures.map((f) => f.operation));
    expect(uploaded.length).toBeGreaterThan(2 * failed.size); // the scenario re-uploads every line many times
    expect(mine.every((a) => a.failedCount > 0 && a.more === 0)).toBe(true);
    expect(operations.sort()).toEqual([...failed].sort());
    expect(mine.some((a) => a.repeats > 0)).toBe(true);
  });

  /**
   * Ten functions at once on 2 shared cores, possibly behind the first test's last syncs.
   * serverless-offline runs an async invoke once, where Lambda retries a failed one twice; and
   * s3rver so loaded resets a connection now and then (ingest failed with ECONNRESET "aborted"
   * in CI). The retry Lambda would make is made here: the same event again. A retry has the
   * failed run's alert id, so the claims it made are its own again: still one alert per event.
   */
  async function ingestedAsLambdaRetries(key: string) {
    for (let retry = 0; ; retry++) {
      try {
        return await ingested(target, key, 90_000);
      } catch (err) {
        if (retry === 2) throw err;
        await target.deliverAgain(key).catch(() => undefined); // a failed retry is retried again
      }
    }
  }

  it('alerts a chunk delivered under ten keys at once once per event where claims are conditional', { timeout: 420_000 }, async () => {
    const prefix = `resend-${RUN}/`;
    const body = Buffer.from([line(900, true), line(901, false), line(902, true)].join(''));
    await Promise.all(Array.from({ length: 10 }, (_, i) => put(target, `${prefix}copy-${i}.log`, body)));
    for (let i = 0; i < 10; i++) {
      const { summary } = await ingestedAsLambdaRetries(`${prefix}copy-${i}.log`);
      expect(summary.counts.failedOperations).toBe(2);
    }
    const totalNew = async () => {
      let sum = 0;
      for (let i = 0; i < 10; i++) sum += (await ingested(target, `${prefix}copy-${i}.log`)).summary.counts.newFailedOperations ?? 0;
      return sum;
    };
    await until(() => alerts().filter((a) => a.source.key.startsWith(prefix)).reduce((s, a) => s + a.failedCount, 0) >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const operations = alerts()
      .filter((a) => a.source.key.startsWith(prefix))
      .flatMap((a) => a.failures.map((f) => f.operation));
    if (target.conditionalClaims) {
      expect(operations.sort()).toEqual([`create user:user-900-${RUN}`, `create user:user-902-${RUN}`]);
      expect(await totalNew()).toBe(2);
    } else {
      // check-then-put (s3rver, Swift): copies read at the same instant may each alert.
      expect(new Set(operations)).toEqual(new Set([`create user:user-900-${RUN}`, `create user:user-902-${RUN}`]));
      expect(await totalNew()).toBe(operations.length);
    }
  });
});
