// The sweep function and `audit-ingest backfill` against the store named by STORE: chunks
// with no summary (on Swift: never notified; elsewhere: summary removed) get processed,
// and a second pass does nothing. On Swift, hundreds of chunks across listing pages.

import { DeleteObjectsCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/audit-ingest';
import type { SweepReport } from '../../lib/sweep';
import { SummarySchema } from '../../lib/records';
import { readText, upload, waitForObject } from '../../scripts/local-s3';
import { startTarget, storeName, type StoreTarget } from '../support/store-targets';

const RUN = Date.now().toString(36);
let target: StoreTarget;

beforeAll(async () => {
  target = await startTarget(storeName());
});
afterAll(async () => {
  await target?.stop();
});

const chunk = (i: number) => `2015/06/29 14:35:30.${String(i % 1000).padStart(3, '0')}\tuser${i}\tdelete user:u-${i}\t${i % 2 ? 'FAILED' : 'SUCCESS'}\n`;

/** Uploads n chunks; where the store notifies, waits for ingest and removes the summaries again. */
async function unsummarised(prefix: string, n: number): Promise<string[]> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}chunk ${String(i).padStart(3, '0')} ü.log`);
  for (let i = 0; i < keys.length; i += 10) {
    await Promise.all(keys.slice(i, i + 10).map((key, j) => upload(target.s3, target.bucket, key, Buffer.from(chunk(i + j).repeat(3)))));
  }
  if (target.name !== 'swift') {
    for (const key of keys) {
      await waitForObject(target.s3, target.bucket, `${key}.summary.json`, 60_000);
      await target.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: `${key}.summary.json` }));
    }
  }
  return keys;
}

async function summaryCount(prefix: string): Promise<number> {
  let token: string | undefined;
  let n = 0;
  do {
    const res = await target.s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix, ContinuationToken: token }));
    n += (res.Contents ?? []).filter((o) => o.Key?.endsWith('.summary.json')).length;
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return n;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.resume();
  const creds = target.credentials;
  const code = await main(args, {
    stdout,
    stderr,
    env: { S3_ACCESS_KEY_ID: creds.accessKeyId, S3_SECRET_ACCESS_KEY: creds.secretAccessKey, S3_REGION: 'us-east-1' },
  });
  return { code, stdout: out };
}

const row = (table: string, name: string) => Number(new RegExp(`^${name}\\s+(\\d+)$`, 'm').exec(table)?.[1]);

describe(`backfill and sweep on ${storeName()}`, () => {
  const many = storeName() === 'swift' ? 250 : 12;

  it(`backfills ${many} chunks without summaries, and a second run does nothing`, async () => {
    const prefix = `backfill-${RUN}/`;
    const keys = await unsummarised(prefix, many);
    const endpoint = target.endpoint;
    const dry = await cli(['backfill', '--bucket', target.bucket, '--prefix', prefix, '--endpoint', endpoint, '--dry-run']);
    expect(row(dry.stdout, 'would be processed')).toBe(many);

    const first = await cli(['backfill', '--bucket', target.bucket, '--prefix', prefix, '--endpoint', endpoint]);
    expect(first.code).toBe(0);
    expect(row(first.stdout, 'processed')).toBe(many);
    expect(row(first.stdout, 'FAILED operations')).toBe(3 * Math.floor(many / 2));
    expect(await summaryCount(prefix)).toBe(many);
    const summary = SummarySchema.parse(JSON.parse(await readText(target.s3, target.bucket, `${keys[1]}.summary.json`)));
    expect(summary.counts).toMatchObject({ totalLines: 3, parsed: 3, failedOperations: 3 });

    const second = await cli(['backfill', '--bucket', target.bucket, '--prefix', prefix, '--endpoint', endpoint]);
    expect(row(second.stdout, 'processed')).toBe(0);
    expect(row(second.stdout, 'already up to date')).toBe(many);
  });

  it('runs as the scheduled sweep function, and its second run does nothing', async () => {
    const prefix = `sweep-${RUN}/`;
    await unsummarised(prefix, 5);
    const lambda = new LambdaClient({ region: 'us-east-1', endpoint: target.stack.lambdaEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const invoke = async (): Promise<SweepReport> => {
      const res = await lambda.send(new InvokeCommand({ FunctionName: 'audit-log-ingest-local-sweep', Payload: Buffer.from('{}') }));
      const body = Buffer.from(res.Payload ?? []).toString();
      if (res.FunctionError) throw new Error(body);
      return JSON.parse(body) as SweepReport;
    };
    const first = await invoke();
    expect(first.complete).toBe(true);
    expect(first.processed).toBeGreaterThanOrEqual(5);
    expect(await summaryCount(prefix)).toBe(5);
    const second = await invoke();
    expect(second).toMatchObject({ processed: 0, complete: true });
    expect(second.upToDate).toBe(second.chunks);
  });

  afterAll(async () => {
    // Leave the shared container as the other suites expect it: no stale chunks.
    for (const prefix of [`backfill-${RUN}/`, `sweep-${RUN}/`]) {
      const res = await target.s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix }));
      const objects = (res.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
      if (objects.length > 0 && target.name !== 'swift') {
        await target.s3.send(new DeleteObjectsCommand({ Bucket: target.bucket, Delete: { Objects: objects } }));
      }
    }
  });
});
