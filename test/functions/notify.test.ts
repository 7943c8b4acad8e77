// The notify handler with a real HTTP receiver and mocked S3 claims (aws-sdk-client-mock).
import { GetObjectCommand, PutObjectCommand, S3Client, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifyHandler, runtimeFromEnv } from '../../functions/notify';
import { DIMENSION_SETS } from '../../lib/metrics';
import { captureEmf, enabledEmfMetrics, metricValues, type EmfDocument } from '../support/emf';
import { startReceiver, type Receiver } from '../support/http-receiver';

const s3Mock = mockClient(S3Client);
const context = (ms = 30_000) => ({ awsRequestId: 'req-2', getRemainingTimeInMillis: () => ms }) as unknown as Context;
const failure = {
  line: 2,
  kind: 'entry',
  timestamp: '2015-06-29T14:38:18.230Z',
  localTime: '2015-06-29T14:38:18.230',
  actor: 'fscsm_user',
  action: 'create',
  resourceType: 'user',
  resourceIds: ['op_manager'],
  outcome: 'FAILED',
  operation: 'create user:op_manager',
  id: '2'.padStart(32, '0'),
};
const payload = { schemaVersion: 1, source: { bucket: 'b', key: 'k', etag: 'e' }, records: 'k.jsonl', batch: 1, failures: [failure] };

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

/** S3 claims kept in a map, honouring If-None-Match like AWS does. */
function claimsInS3Mock(): Map<string, string> {
  const objects = new Map<string, string>();
  s3Mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === '*' && objects.has(input.Key)) {
      throw Object.assign(new Error('PreconditionFailed'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    }
    objects.set(input.Key, input.Body);
    return {};
  });
  s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (body === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: sdkStreamMixin(Readable.from([Buffer.from(body)])) };
  });
  s3Mock.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    objects.delete(input.Key);
    return {};
  });
  return objects;
}

describe('notify handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    receiver.received.length = 0;
  });
  const handlerFor = (env: Record<string, string>) => createNotifyHandler(() => runtimeFromEnv({ AWS_REGION: 'us-east-1', ...env }));

  it('posts one JSON alert to the webhook and marks its claim delivered', async () => {
    const claims = claimsInS3Mock();
    const res = await handlerFor({ WEBHOOK_URL: receiver.url })(payload, context());
    expect(res).toEqual({ accepted: true, failures: 1, sinks: [{ sink: 'webhook-json', outcome: 'delivered' }] });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.json).toMatchObject({ type: 'audit.failed-operations', failedCount: 1, failures: [{ line: 2, actor: 'fscsm_user' }] });
    expect([...claims.values()].map((v) => (JSON.parse(v) as { state: string }).state)).toEqual(['delivered']);
  });

  it('does not alert twice when the same payload is delivered again', async () => {
    claimsInS3Mock();
    const handler = handlerFor({ WEBHOOK_URL: receiver.url, WEBHOOK_FORMAT: 'slack' });
    for (let i = 0; i < 5; i++) await handler(payload, context());
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.json).toHaveProperty('blocks');
  });

  it('retries a failing webhook within the invocation and delivers once it recovers', async () => {
    claimsInS3Mock();
    receiver.failNext(3, 503);
    const before = receiver.attempts;
    await handlerFor({ WEBHOOK_URL: receiver.url })(payload, context());
    expect(receiver.attempts - before).toBe(4);
    expect(receiver.received).toHaveLength(1);
  });

  it('fails the invocation when the webhook stays down, releasing the claim for the retry', async () => {
    const claims = claimsInS3Mock();
    receiver.failNext(1000, 500);
    await expect(handlerFor({ WEBHOOK_URL: receiver.url })(payload, context(4_000))).rejects.toThrow(/not delivered to webhook-json: webhook answered HTTP 500/);
    expect(claims.size).toBe(0);
    receiver.failNext(0);
    await handlerFor({ WEBHOOK_URL: receiver.url })(payload, context());
    expect(receiver.received).toHaveLength(1);
  });

  it('never puts the webhook URL in its errors', async () => {
    claimsInS3Mock();
    const secret = 'http://127.0.0.1:1/services/T000/B000/SECRETTOKEN';
    const run = handlerFor({ WEBHOOK_URL: secret })(payload, context(4_500));
    await expect(run).rejects.toThrow(/webhook unreachable/);
    await expect(run).rejects.not.toThrow(/SECRETTOKEN/);
  });

  it('marks the claims of the events it alerted delivered, and says how many of the batch were repeats', async () => {
    const claims = claimsInS3Mock();
    await handlerFor({ WEBHOOK_URL: receiver.url })({ ...payload, repeats: 3, failures: [{ ...failure, claim: 1 }] }, context());
    expect(receiver.received[0]?.json).toMatchObject({ failedCount: 1, repeats: 3 });
    const eventClaims = [...claims].filter(([key]) => key.startsWith('.audit-ingest/claims/events/'));
    expect(eventClaims.map(([key, body]) => [key.endsWith('.1'), (JSON.parse(body) as { state: string }).state])).toEqual([[true, 'delivered']]);
  });

  it('leaves the event claims as they are when the alert was not delivered', async () => {
    const claims = claimsInS3Mock();
    receiver.failNext(1000, 500);
    await expect(handlerFor({ WEBHOOK_URL: receiver.url })({ ...payload, failures: [{ ...failure, claim: 0 }] }, context(4_000))).rejects.toThrow(/not delivered/);
    receiver.failNext(0);
    expect([...claims.keys()].filter((key) => key.startsWith('.audit-ingest/claims/events/'))).toEqual([]);
  });

  it('only logs when no sink is configured', async () => {
    await expect(handlerFor({})(payload, context())).resolves.toEqual({ accepted: true, failures: 1, sinks: [] });
  });

  it('rejects a payload that is not from ingest without throwing (a retry cannot fix it)', async () => {
    await expect(handlerFor({})({ failures: [{ ...failure, outcome: 'SUCCESS' }] }, context())).resolves.toEqual({ accepted: false, failures: 0 });
  });
});

describe('notify handler: metrics', () => {
  beforeEach(() => {
    s3Mock.reset();
    receiver.received.length = 0;
  });
  const handlerFor = (env: Record<string, string>) => createNotifyHandler(() => runtimeFromEnv({ AWS_REGION: 'us-east-1', ...env }), enabledEmfMetrics());
  const single = (docs: EmfDocument[]) => {
    expect(docs).toHaveLength(1);
    const doc = docs[0] as EmfDocument;
    expect(doc._aws.CloudWatchMetrics[0]?.Namespace).toBe('AuditLogIngest');
    expect(doc._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[...DIMENSION_SETS.rollup]]);
    expect(doc).toMatchObject({ service: 'audit-log-ingest', stage: 'test' });
    expect(doc._aws.CloudWatchMetrics[0]?.Metrics.every((m) => m.Unit === 'Count')).toBe(true);
    return metricValues(docs);
  };

  it('counts an alert delivered and the repeats ingest left out of it; a re-delivered payload as a duplicate skipped', async () => {
    claimsInS3Mock();
    const handler = handlerFor({ WEBHOOK_URL: receiver.url });
    const withRepeats = { ...payload, repeats: 3 };
    expect(single(await captureEmf(() => handler(withRepeats, context())))).toEqual({
      AlertsDelivered: [1],
      DuplicateAlertsSkipped: [0],
      DeliveryFailures: [0],
      RepeatsSkipped: [3],
    });
    expect(single(await captureEmf(() => handler(withRepeats, context())))).toEqual({
      AlertsDelivered: [0],
      DuplicateAlertsSkipped: [1],
      DeliveryFailures: [0],
      RepeatsSkipped: [3],
    });
  });

  it('counts a delivery failure when the invocation fails (and no repeats: the retry counts them)', async () => {
    claimsInS3Mock();
    receiver.failNext(1000, 500);
    const handler = handlerFor({ WEBHOOK_URL: receiver.url });
    const docs = await captureEmf(() => expect(handler({ ...payload, repeats: 2 }, context(4_000))).rejects.toThrow(/not delivered/));
    receiver.failNext(0);
    expect(single(docs)).toEqual({ AlertsDelivered: [0], DuplicateAlertsSkipped: [0], DeliveryFailures: [1] });
  });

  it('counts a rejected payload', async () => {
    const docs = await captureEmf(() => handlerFor({})({ failures: [] }, context()));
    expect(single(docs)).toEqual({ PayloadsRejected: [1] });
  });
});
