// The ingest handler wired to mocked AWS clients: what it asks S3 and Lambda for.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createIngestHandler, runtimeFromEnv } from '../../functions/ingest';
import type { EventReport } from '../../lib/ingest-event';
import { NotifyPayloadSchema } from '../../lib/notify-payload';
import { SummarySchema } from '../../lib/records';
import { DIMENSION_SETS } from '../../lib/metrics';
import { captureEmf, enabledEmfMetrics } from '../support/emf';

const s3Mock = mockClient(S3Client);
const lambdaMock = mockClient(LambdaClient);
const context = { awsRequestId: 'req-1', functionName: 'ingest' } as Context;
const SAMPLE = readFileSync('samples/fscsm_audit.log');
const ENV = { NOTIFY_FUNCTION_NAME: 'audit-log-ingest-dev-notify', AWS_REGION: 'us-east-1' };
const event = JSON.parse(readFileSync('test/fixtures/events/aws-put.json', 'utf8')) as unknown;

const body = (data: Buffer) => ({ Body: sdkStreamMixin(Readable.from([data])), ETag: '"abc"', ContentLength: data.length });

function putBodies(): Map<string, string> {
  const out = new Map<string, string>();
  for (const call of s3Mock.commandCalls(PutObjectCommand)) {
    const input = call.args[0].input;
    out.set(input.Key ?? '', Buffer.isBuffer(input.Body) || typeof input.Body === 'string' ? input.Body.toString() : '');
  }
  return out;
}

beforeEach(() => {
  s3Mock.reset();
  lambdaMock.reset();
  lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
});

describe('ingest handler', () => {
  const handler = createIngestHandler(() => runtimeFromEnv(ENV));

  it('reads the URL-decoded key and writes both outputs beside it', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(PutObjectCommand).resolves({});
    const report = (await handler(event, context)) as EventReport;
    const key = 'incoming/fscsm_audit logü.log';
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'logs-repo', Key: key });
    expect(report.ingested).toEqual([expect.objectContaining({ key }) as unknown]);
    const puts = putBodies();
    expect([...puts.keys()].filter((k) => !k.startsWith('.audit-ingest/'))).toEqual([`${key}.jsonl`, `${key}.summary.json`]);
    const summary = SummarySchema.parse(JSON.parse(puts.get(`${key}.summary.json`) ?? ''));
    expect(summary.source.etag).toBe('135ff64e5ac958e0809a8759b44478c6');
    expect(summary.counts.failedOperations).toBe(2);
  });

  it('invokes notify asynchronously with a valid payload', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(gzipSync(SAMPLE)));
    s3Mock.on(PutObjectCommand).resolves({});
    await handler(event, context);
    const calls = lambdaMock.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'audit-log-ingest-dev-notify', InvocationType: 'Event' });
    const payload = NotifyPayloadSchema.parse(JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString()));
    expect(payload.failures.map((f) => f.line)).toEqual([2, 13]);
  });

  it('claims each FAILED event with If-None-Match before sending it, and counts it as new', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(PutObjectCommand).resolves({});
    await handler(event, context);
    const claims = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input).filter((i) => i.Key?.startsWith('.audit-ingest/claims/events/'));
    expect(claims).toHaveLength(2);
    for (const c of claims) expect(c).toMatchObject({ Bucket: 'logs-repo', IfNoneMatch: '*' });
    const payload = NotifyPayloadSchema.parse(JSON.parse(Buffer.from(lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString()));
    expect(payload.failures.map((f) => f.claim)).toEqual([0, 0]);
    const summary = SummarySchema.parse(JSON.parse(putBodies().get('incoming/fscsm_audit logü.log.summary.json') ?? ''));
    expect(summary.counts).toMatchObject({ failedOperations: 2, newFailedOperations: 2 });
  });

  it('sends nothing when every FAILED event of the chunk was alerted before', async () => {
    const delivered = JSON.stringify({ state: 'delivered', alert: 'another-object', owner: 'x', at: '2026-01-01T00:00:00Z', leaseUntil: 0 });
    s3Mock.on(GetObjectCommand).callsFake((input: { Key?: string }) =>
      input.Key?.startsWith('.audit-ingest/claims/events/') ? { Body: sdkStreamMixin(Readable.from([Buffer.from(delivered)])) } : body(SAMPLE),
    );
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(PutObjectCommand, { IfNoneMatch: '*' }).rejects(Object.assign(new Error('PreconditionFailed'), { $metadata: { httpStatusCode: 412 } }));
    await handler(event, context);
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
    const summary = SummarySchema.parse(JSON.parse(putBodies().get('incoming/fscsm_audit logü.log.summary.json') ?? ''));
    expect(summary.counts).toMatchObject({ failedOperations: 2, newFailedOperations: 0 });
  });

  it('skips its own outputs without reading them', async () => {
    const outputEvent = structuredClone(event) as { Records: { s3: { object: { key: string } } }[] };
    (outputEvent.Records[0] as { s3: { object: { key: string } } }).s3.object.key = 'incoming/a.log.summary.json';
    const report = (await handler(outputEvent, context)) as EventReport;
    expect(report.skipped).toEqual([{ key: 'incoming/a.log.summary.json', reason: 'output of this product' }]);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('does not retry forever when the object was deleted before processing', async () => {
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    const report = (await handler(event, context)) as EventReport;
    expect(report.skipped[0]?.reason).toMatch(/no longer exists/);
  });

  it('fails the invocation (for Lambda to retry) when the output cannot be written', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(PutObjectCommand).rejects(new Error('SlowDown'));
    s3Mock.on(CreateMultipartUploadCommand).rejects(new Error('SlowDown'));
    await expect(handler(event, context)).rejects.toThrow(/SlowDown/);
  });

  it('refuses to start with a clear message when configuration is missing', async () => {
    const broken = createIngestHandler(() => runtimeFromEnv({}));
    await expect(broken(event, context)).rejects.toThrow(/NOTIFY_FUNCTION_NAME: must name the notify function/);
  });
});

describe('ingest handler: S3 -> SQS and S3 -> EventBridge', () => {
  const handler = createIngestHandler(() => runtimeFromEnv(ENV));
  const sqs = JSON.parse(readFileSync('test/fixtures/events/sqs-s3-put.json', 'utf8')) as { Records: { messageId: string; body: string }[] };
  const testEvent = JSON.parse(readFileSync('test/fixtures/events/sqs-s3-test-event.json', 'utf8')) as { Records: unknown[] };
  const eventBridge = JSON.parse(readFileSync('test/fixtures/events/eventbridge-object-created.json', 'utf8')) as { detail: { object: { key: string } } };
  const KEY = 'incoming/fscsm_audit logü.log';

  /** The fixture's message again, for another (URL-encoded) key. */
  const messageFor = (messageId: string, eventKey: string) => {
    const [message] = sqs.Records;
    const body = JSON.parse(message?.body ?? '') as { Records: { s3: { object: { key: string } } }[] };
    (body.Records[0] as { s3: { object: { key: string } } }).s3.object.key = eventKey;
    return { ...message, messageId, body: JSON.stringify(body) };
  };

  it('answers an SQS batch with only the message whose chunk could not be read', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(GetObjectCommand, { Key: 'incoming/broken.log' }).rejects(Object.assign(new Error('We encountered an internal error'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }));
    s3Mock.on(PutObjectCommand).resolves({});
    const batch = { Records: [messageFor('m-broken', 'incoming/broken.log'), ...sqs.Records, ...testEvent.Records] };
    expect(await handler(batch, context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-broken' }] });
    expect([...putBodies().keys()].filter((k) => !k.startsWith('.audit-ingest/'))).toEqual([`${KEY}.jsonl`, `${KEY}.summary.json`]);
  });

  it('answers an SQS batch that went through with an empty list', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(PutObjectCommand).resolves({});
    expect(await handler(sqs, context)).toEqual({ batchItemFailures: [] });
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'logs-repo', Key: KEY });
  });

  it('reads an EventBridge Object Created event’s key as it is (no URL decoding) and returns the report', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(PutObjectCommand).resolves({});
    const plus = structuredClone(eventBridge);
    plus.detail.object.key = 'incoming/a b+c.log';
    const report = (await handler(plus, context)) as EventReport;
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'logs-repo', Key: 'incoming/a b+c.log' });
    expect(report.ingested.map((i) => i.key)).toEqual(['incoming/a b+c.log']);
  });

  it('fails an EventBridge invocation (for Lambda to retry) when the output cannot be written', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(PutObjectCommand).rejects(new Error('SlowDown'));
    s3Mock.on(CreateMultipartUploadCommand).rejects(new Error('SlowDown'));
    await expect(handler(eventBridge, context)).rejects.toThrow(/SlowDown/);
  });
});

describe('ingest handler: metrics', () => {
  it('the metric names and values for a known chunk (EMF output parsed back)', async () => {
    // The sample (21 entries, 2 FAILED) and one line that is no audit entry.
    const chunk = Buffer.concat([SAMPLE, Buffer.from('this line is not an audit entry\n')]);
    s3Mock.on(GetObjectCommand).resolves(body(chunk));
    s3Mock.on(PutObjectCommand).resolves({});
    const handler = createIngestHandler(() => runtimeFromEnv(ENV), enabledEmfMetrics());
    const docs = await captureEmf(() => handler(event, context));

    const summary = SummarySchema.parse(JSON.parse(putBodies().get('incoming/fscsm_audit logü.log.summary.json') ?? ''));
    expect(summary.counts).toMatchObject({ parsed: 21, errors: 1, failedOperations: 2, newFailedOperations: 2 });
    expect(docs).toHaveLength(1); // flushed once, at the end of the invocation
    const [doc] = docs;
    expect(doc?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'AuditLogIngest',
        Dimensions: [[...DIMENSION_SETS.byFormat], [...DIMENSION_SETS.rollup]],
        Metrics: [
          { Name: 'ChunksIngested', Unit: 'Count' },
          { Name: 'BytesRead', Unit: 'Bytes' },
          { Name: 'Records', Unit: 'Count' },
          { Name: 'ErrorRecords', Unit: 'Count' },
          { Name: 'FailedOperations', Unit: 'Count' },
          { Name: 'NewFailedOperations', Unit: 'Count' },
          { Name: 'IngestDuration', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(doc).toMatchObject({
      service: 'audit-log-ingest',
      stage: 'test',
      format: 'fscsm',
      ChunksIngested: 1,
      BytesRead: 1514, // the size the S3 event gives
      Records: 22,
      ErrorRecords: 1,
      FailedOperations: 2,
      NewFailedOperations: 2,
      IngestDuration: summary.timing.durationMs,
    });
  });

  it('counts nothing for a chunk that failed (it has no summary yet) or for its own outputs', async () => {
    s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
    s3Mock.on(PutObjectCommand).rejects(new Error('SlowDown'));
    s3Mock.on(CreateMultipartUploadCommand).rejects(new Error('SlowDown'));
    const handler = createIngestHandler(() => runtimeFromEnv(ENV), enabledEmfMetrics());
    expect(await captureEmf(() => handler(event, context).catch(() => undefined))).toEqual([]);

    const outputEvent = structuredClone(event) as { Records: { s3: { object: { key: string } } }[] };
    (outputEvent.Records[0] as { s3: { object: { key: string } } }).s3.object.key = 'incoming/a.log.jsonl';
    s3Mock.on(HeadObjectCommand).resolves({});
    expect(await captureEmf(() => handler(outputEvent, context))).toEqual([]);
  });
});

describe('ingest handler: secrets stay out of logs', () => {
  it('never writes the S3 secret key to its logs, whether the run succeeds, fails or is misconfigured', async () => {
    const SECRET = 'SECRETKEY-0123456789abcdef';
    const written: string[] = [];
    const capture = (stream: NodeJS.WriteStream) => {
      const original = stream.write.bind(stream);
      stream.write = (chunk: string | Uint8Array) => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return true;
      };
      return () => (stream.write = original);
    };
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    const restore = [capture(process.stdout), capture(process.stderr)];
    try {
      const env = { ...ENV, S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', S3_SECRET_ACCESS_KEY: SECRET, S3_ENDPOINT: 'http://127.0.0.1:1' };
      s3Mock.on(GetObjectCommand).resolves(body(SAMPLE));
      s3Mock.on(PutObjectCommand).resolves({});
      await createIngestHandler(() => runtimeFromEnv(env))(event, context);
      s3Mock.on(PutObjectCommand).rejects(new Error('AccessDenied'));
      await createIngestHandler(() => runtimeFromEnv(env))(event, context).catch(() => undefined);
      await createIngestHandler(() => runtimeFromEnv({ ...env, S3_ENDPOINT: 'not a url' }))(event, context).catch(() => undefined);
    } finally {
      for (const r of restore) r();
      if (level === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = level;
    }
    expect(written.join('')).toMatch(/chunk ingested/);
    expect(written.join('')).toMatch(/AccessDenied/);
    expect(written.join('')).toMatch(/S3_ENDPOINT/);
    expect(written.join('')).not.toContain(SECRET);
  });
});
