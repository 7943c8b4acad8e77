// `audit-ingest backfill` sends FAILED operations as the functions do (issue 19, item 4): to
// a real HTTP receiver, once per alert, also when a chunk is ingested again; none with
// --no-alerts. Against a bare store (test/support/bare-store.ts; STORE as for the others).

import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/audit-ingest';
import { upload } from '../../scripts/local-s3';
import { startBareStore, type BareStore } from '../support/bare-store';
import { startReceiver, type Receiver } from '../support/http-receiver';

const BUCKET = 'backfill-alerts';
const RUN = Date.now().toString(36);
let store: BareStore;
let receiver: Receiver;

beforeAll(async () => {
  store = await startBareStore(BUCKET, 17569);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await store?.stop();
});

// RUN in each line: the same line is the same audit event, alerted once per container, and a
// store kept between runs still holds the last run's event claims.
const line = (i: number, outcome: string) => `2015/06/29 14:35:30.${String(i).padStart(3, '0')}\tuser${i}\tdelete user:u-${i}-${RUN}\t${outcome}\n`;

async function backfill(prefix: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await main(['backfill', '--bucket', BUCKET, '--prefix', prefix, '--endpoint', store.endpoint, '--concurrency', '4', ...extra], {
    stdout,
    stderr,
    env: {
      S3_ACCESS_KEY_ID: store.credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: store.credentials.secretAccessKey,
      S3_REGION: 'us-east-1',
      // Neither s3rver nor Swift has If-None-Match; Ceph has.
      CLAIM_MODE: store.name === 'ceph' ? 'conditional' : 'check-then-put',
    },
  });
  return { code, stdout: out, stderr: err };
}

const row = (table: string, name: string) => Number(new RegExp(`^${name}\\s+(\\d+)$`, 'm').exec(table)?.[1]);
const alertsFor = (prefix: string) => receiver.received.filter((r) => r.body.includes(prefix));

describe(`backfill alerts on ${process.env.STORE ?? 's3rver'}`, () => {
  it('delivers each chunk\'s FAILED operations to the webhook once, also when the chunk is ingested again', async () => {
    const prefix = `alerts-${RUN}/`;
    // Chunk i has i FAILED lines among 3 successful ones; chunk 0 has none and sends no alert.
    for (let i = 0; i < 4; i++) {
      const body = [...Array.from({ length: 3 }, (_, j) => line(j, 'SUCCESS')), ...Array.from({ length: i }, (_, j) => line(100 + 10 * i + j, 'FAILED'))].join('');
      await upload(store.s3, BUCKET, `${prefix}chunk-${i}.log`, Buffer.from(body));
    }
    const hook = receiver.url;
    const first = await backfill(prefix, '--webhook-url', hook);
    expect(first.code, first.stderr).toBe(0);
    expect(row(first.stdout, 'processed')).toBe(4);
    expect(row(first.stdout, 'FAILED operations')).toBe(6);
    const alerts = alertsFor(prefix);
    expect(alerts).toHaveLength(3);
    const listed = alerts.map((a) => (a.json as { failures: unknown[]; source: { key: string } })).sort((a, b) => a.source.key.localeCompare(b.source.key));
    expect(listed.map((a) => [a.source.key, a.failures.length])).toEqual([1, 2, 3].map((i) => [`${prefix}chunk-${i}.log`, i]));

    // Nothing stale: nothing ingested, nothing sent.
    const second = await backfill(prefix, '--webhook-url', hook);
    expect(row(second.stdout, 'processed')).toBe(0);
    expect(alertsFor(prefix)).toHaveLength(3);

    // A chunk ingested again (its summary lost): its alert's claim says delivered.
    await store.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}chunk-3.log.summary.json` }));
    const again = await backfill(prefix, '--webhook-url', hook);
    expect(row(again.stdout, 'processed')).toBe(1);
    expect(alertsFor(prefix)).toHaveLength(3);
  });

  it('sends nothing with --no-alerts, and fails the chunk (no summary) when the webhook refuses it', async () => {
    const prefix = `quiet-${RUN}/`;
    await upload(store.s3, BUCKET, `${prefix}old.log`, Buffer.from(line(1, 'FAILED')));
    const hook = receiver.url;
    const quiet = await backfill(prefix, '--webhook-url', hook, '--no-alerts');
    expect(row(quiet.stdout, 'processed')).toBe(1);
    expect(alertsFor(prefix)).toHaveLength(0);

    await upload(store.s3, BUCKET, `${prefix}new.log`, Buffer.from(line(2, 'FAILED')));
    const stopRefusing = receiver.failWhile((body) => body.includes(`${prefix}new.log`), 400);
    const refused = await backfill(prefix, '--webhook-url', hook);
    stopRefusing();
    expect(refused.code).toBe(1);
    expect(row(refused.stdout, 'failed')).toBe(1);
    expect(await store.keys(`${prefix}new.log.summary.json`)).toEqual([]);
    const retried = await backfill(prefix, '--webhook-url', hook);
    expect(row(retried.stdout, 'processed')).toBe(1);
    expect(alertsFor(prefix).map((a) => (a.json as { source: { key: string } }).source.key)).toEqual([`${prefix}new.log`]);
  });
});
