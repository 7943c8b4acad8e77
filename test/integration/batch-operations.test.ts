// The ingest function, run by serverless-offline against the store named by STORE, invoked
// through the Lambda API as S3 Batch Operations invokes it (the AWS documentation's events,
// schema 1.0 and 2.0), and `audit-ingest backfill --via-lambda` handing it stale chunks.
// A real Batch Operations job (manifest, retries, completion report) cannot run here: see
// docs/batch-operations.md.

import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/audit-ingest';
import type { BatchOperationsResponse } from '../../lib/batch-operations';
import { SummarySchema } from '../../lib/records';
import { readText, upload, waitForObject } from '../../scripts/local-s3';
import { awsEventKey, offlineLambda, startTarget, storeName, type StoreTarget } from '../support/store-targets';

const RUN = Date.now().toString(36);
const INGEST = 'audit-log-ingest-local-ingest';
let target: StoreTarget;
let lambda: LambdaClient;

beforeAll(async () => {
  target = await startTarget(storeName());
  lambda = offlineLambda(target.stack);
});
afterAll(async () => {
  await target?.stop();
});

const fixture = (version: string) => JSON.parse(readFileSync(new URL(`../fixtures/events/batch-operations-${version}.json`, import.meta.url), 'utf8')) as { tasks: Record<string, unknown>[] } & Record<string, unknown>;
const line = (i: number) => `2015/06/29 14:35:30.${String(i).padStart(3, '0')}\tuser${i}\tdelete user:u-${i}\t${i % 2 ? 'FAILED' : 'SUCCESS'}\n`;

/** Uploads a chunk; where the store notifies, waits for that ingest and removes its summary (a chunk to backfill). */
async function unsummarised(key: string, body: string): Promise<void> {
  await upload(target.s3, target.bucket, key, Buffer.from(body));
  await target.afterUpload(key, Buffer.byteLength(body)).catch(() => undefined);
  if (target.name === 'swift') {
    await target.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: `${key}.summary.json` })).catch(() => undefined);
    return;
  }
  await waitForObject(target.s3, target.bucket, `${key}.summary.json`, 60_000);
  await target.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: `${key}.summary.json` }));
}

const exists = (key: string) =>
  target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key })).then(
    () => true,
    () => false,
  );

describe(`S3 Batch Operations and --via-lambda on ${storeName()}`, () => {
  it('answers the documented invocation events with a result code per task', async () => {
    const key = `batch-${RUN}/chunk one ü.log`;
    await unsummarised(key, [0, 1, 2, 3].map(line).join(''));
    expect(await exists(`${key}.summary.json`)).toBe(false);
    const v2 = fixture('2.0');
    const v1 = fixture('1.0');
    const invoke = async (event: unknown): Promise<BatchOperationsResponse> => {
      const res = await lambda.send(new InvokeCommand({ FunctionName: INGEST, Payload: Buffer.from(JSON.stringify(event)) }));
      const body = Buffer.from(res.Payload ?? []).toString();
      if (res.FunctionError) throw new Error(body);
      return JSON.parse(body) as BatchOperationsResponse;
    };
    const ok = await invoke({ ...v2, tasks: [{ ...v2.tasks[0], taskId: 't-1', s3Key: awsEventKey(key), s3Bucket: target.bucket }] });
    expect(ok).toEqual({
      invocationSchemaVersion: '2.0',
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: v2.invocationId,
      results: [{ taskId: 't-1', resultCode: 'Succeeded', resultString: 'ingested: 4 records, 0 error records, 2 FAILED operations' }],
    });
    const summary = SummarySchema.parse(JSON.parse(await readText(target.s3, target.bucket, `${key}.summary.json`)));
    expect(summary.counts).toMatchObject({ totalLines: 4, parsed: 4, failedOperations: 2 });

    const missing = await invoke({ ...v1, tasks: [{ ...v1.tasks[0], taskId: 't-2', s3Key: `batch-${RUN}/gone.log`, s3BucketArn: `arn:aws:s3:::${target.bucket}` }] });
    expect(missing).toMatchObject({ invocationSchemaVersion: '1.0', results: [{ taskId: 't-2', resultCode: 'PermanentFailure' }] });
  });

  it('backfill --via-lambda hands each stale chunk to the ingest function, and a second run hands none', async () => {
    const prefix = `via-lambda-${RUN}/`;
    // Keys that URL-encoding leaves as they are: the local stage reads event keys raw, as s3rver
    // sends them, where AWS URL-encodes them as the hand-off does (tested in the unit tests).
    const keys = [0, 1, 2].map((i) => `${prefix}chunk-${i}.log`);
    for (const [i, key] of keys.entries()) await unsummarised(key, line(i).repeat(i + 1));
    const run = async (): Promise<string> => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      stdout.on('data', (b: Buffer) => (out += b.toString()));
      stderr.resume();
      const creds = target.credentials;
      const code = await main(['backfill', '--bucket', target.bucket, '--prefix', prefix, '--endpoint', target.endpoint, '--via-lambda', INGEST, '--rate', '5'], {
        stdout,
        stderr,
        env: { S3_ACCESS_KEY_ID: creds.accessKeyId, S3_SECRET_ACCESS_KEY: creds.secretAccessKey, S3_REGION: 'us-east-1', LAMBDA_ENDPOINT: target.stack.lambdaEndpoint },
      });
      expect(code).toBe(0);
      return out;
    };
    const row = (table: string, name: string) => Number(new RegExp(`^${name}\\s+(\\d+)$`, 'm').exec(table)?.[1]);
    const first = await run();
    expect(row(first, 'handed to ingest')).toBe(3);
    for (const key of keys) await waitForObject(target.s3, target.bucket, `${key}.summary.json`, 60_000);
    const second = await run();
    expect(row(second, 'handed to ingest')).toBe(0);
    expect(row(second, 'already up to date')).toBe(3);
  });
});
