// The ingest function, run by serverless-offline against the store named by STORE, invoked
// through the Lambda API with the events of the two queued topologies (docs/deploying.md, "Event
// topologies"): an SQS batch whose messages carry S3 notifications (S3 -> SQS -> ingest),
// and an EventBridge Object Created event (S3 -> EventBridge -> ingest). The queue, the bus
// and their rules cannot run here: the events are built from the fixtures of the AWS
// documentation's examples (test/fixtures/events/), for objects uploaded to the local store.

import { readFileSync } from 'node:fs';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqsBatchResponse } from '../../lib/event-topologies';
import type { EventReport } from '../../lib/ingest-event';
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

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8')) as T;
const line = (i: number) => `2015/06/29 14:35:30.${String(i).padStart(3, '0')}\tuser${i}\tdelete user:u-${i}\t${i % 2 ? 'FAILED' : 'SUCCESS'}\n`;

/** Uploads a chunk; where the store notifies, waits for that ingest and removes its summary, so that only our event can write it again. */
async function unsummarised(key: string, body: string): Promise<void> {
  await upload(target.s3, target.bucket, key, Buffer.from(body));
  await target.afterUpload(key, Buffer.byteLength(body)).catch(() => undefined);
  if (target.name !== 'swift') await waitForObject(target.s3, target.bucket, `${key}.summary.json`, 60_000);
  await target.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: `${key}.summary.json` })).catch(() => undefined);
}

async function invoke<T>(event: unknown): Promise<T> {
  const res = await lambda.send(new InvokeCommand({ FunctionName: INGEST, Payload: Buffer.from(JSON.stringify(event)) }));
  const body = Buffer.from(res.Payload ?? []).toString();
  if (res.FunctionError) throw new Error(body);
  return JSON.parse(body) as T;
}

async function summaryOf(key: string) {
  return SummarySchema.parse(JSON.parse(await readText(target.s3, target.bucket, `${key}.summary.json`)));
}

/** The object's ETag and size, as S3 puts them in its events (ingest reads with If-Match on that ETag). */
async function head(key: string): Promise<{ etag: string; size: number }> {
  const res = await target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
  return { etag: (res.ETag ?? '').replace(/"/g, ''), size: res.ContentLength ?? 0 };
}

// The local stage reads s3rver's event keys raw (EVENT_KEY_ENCODING=raw); against Ceph and
// Swift it runs with auto, under which an aws:s3 notification's key is URL-encoded, as AWS
// sends it. EventBridge keys are raw under both.
const notificationKey = (key: string) => (target.name === 's3rver' ? key : awsEventKey(key));

describe(`S3 -> SQS and S3 -> EventBridge events on ${storeName()}`, () => {
  it('ingests the chunk of each SQS message and reports only the message that is not an S3 notification', async () => {
    const key = `topologies-${RUN}/sqs chunk.log`;
    await unsummarised(key, [0, 1, 2, 3].map(line).join(''));
    const { etag, size } = await head(key);

    const put = fixture<{ Records: Record<string, unknown>[] }>('aws-put.json');
    const notification = (eventKey: string, object: Record<string, unknown> = {}) => ({
      Records: [{ ...put.Records[0], s3: { s3SchemaVersion: '1.0', configurationId: 'ingest', bucket: { name: target.bucket }, object: { key: eventKey, ...object } } }],
    });
    const [message] = fixture<{ Records: Record<string, unknown>[] }>('sqs-s3-put.json').Records;
    const [testEvent] = fixture<{ Records: Record<string, unknown>[] }>('sqs-s3-test-event.json').Records;
    const batch = {
      Records: [
        { ...message, messageId: 'm-chunk', body: JSON.stringify(notification(notificationKey(key), { eTag: etag, size })) },
        // Deleted before it was read: nothing to retry, so not reported.
        { ...message, messageId: 'm-missing', body: JSON.stringify(notification(notificationKey(`topologies-${RUN}/never uploaded.log`))) },
        { ...testEvent, messageId: 'm-test-event' },
        // Will not become valid on retry: reported, so that SQS moves it to the dead-letter queue.
        { ...message, messageId: 'm-garbage', body: 'not an S3 notification' },
      ],
    };

    expect(await invoke<SqsBatchResponse>(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-garbage' }] });
    const summary = await summaryOf(key);
    expect(summary.source).toMatchObject({ key, etag });
    expect(summary.counts).toMatchObject({ totalLines: 4, parsed: 4, failedOperations: 2 });
    const records = (await readText(target.s3, target.bucket, `${key}.jsonl`)).split('\n').filter(Boolean);
    expect(records).toHaveLength(4);
  });

  it('answers an SQS batch that went through with an empty list', async () => {
    const key = `topologies-${RUN}/sqs-ok.log`;
    await unsummarised(key, line(0));
    const [testEvent] = fixture<{ Records: Record<string, unknown>[] }>('sqs-s3-test-event.json').Records;
    expect(await invoke<SqsBatchResponse>({ Records: [testEvent] })).toEqual({ batchItemFailures: [] });
  });

  it('ingests an EventBridge Object Created event under its key as stored (a space and a "+", not decoded)', async () => {
    const key = `topologies-${RUN}/eventbridge chunk+1.log`;
    await unsummarised(key, [0, 1, 2].map(line).join(''));
    const { etag, size } = await head(key);
    const event = fixture<{ detail: Record<string, unknown> } & Record<string, unknown>>('eventbridge-object-created.json');
    const objectCreated = {
      ...event,
      resources: [`arn:aws:s3:::${target.bucket}`],
      detail: { ...event.detail, bucket: { name: target.bucket }, object: { key, size, etag } },
    };

    const report = await invoke<EventReport>(objectCreated);
    expect(report.ingested).toEqual([{ bucket: target.bucket, key, counts: expect.objectContaining({ parsed: 3, failedOperations: 1 }) as unknown }]);
    expect((await summaryOf(key)).source).toMatchObject({ key, etag });
    expect((await readText(target.s3, target.bucket, `${key}.jsonl`)).split('\n').filter(Boolean)).toHaveLength(3);

    // Other detail-types are ignored, not failed.
    const deleted = await invoke<EventReport>({ ...objectCreated, 'detail-type': 'Object Deleted' });
    expect(deleted.skipped).toEqual([{ reason: 'EventBridge Object Deleted' }]);
  });
});
