import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestEvent, IngestFailedError, ingestSqsEvent } from '../../lib/ingest-event';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { memoryLogger, memoryStore } from '../support/memory-store';

const SAMPLE = readFileSync('samples/fscsm_audit.log');
const OPTIONS = { ...DEFAULT_PARSE_OPTIONS, maxPayloadBytes: 240_000, keyEncoding: 'auto' as const };

const record = (key: string, eventName = 'ObjectCreated:Put') => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  eventName,
  s3: { bucket: { name: 'logs-repo' }, object: { key } },
});

describe('ingestEvent', () => {
  it('processes every created chunk of a batch and skips its own outputs', async () => {
    const store = memoryStore({ 'logs-repo/a b.log': SAMPLE, 'logs-repo/c.log': SAMPLE });
    const report = await ingestEvent(
      { Records: [record('a+b.log'), record('c.log'), record('c.log.jsonl'), record('c.log', 'ObjectRemoved:Delete')] },
      { store, log: memoryLogger(), sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(report.ingested.map((i) => i.key)).toEqual(['a b.log', 'c.log']);
    expect(report.skipped.map((s) => s.reason)).toEqual(['output of this product', 'event ObjectRemoved:Delete']);
    expect(store.objects.has('logs-repo/a b.log.summary.json')).toBe(true);
  });

  it("processes a user's chunk that merely ends in .jsonl (no chunk of that name beside it)", async () => {
    const store = memoryStore({ 'logs-repo/events.jsonl': SAMPLE, 'logs-repo/c.log': SAMPLE, 'logs-repo/c.log.jsonl': 'x' });
    const report = await ingestEvent(
      { Records: [record('events.jsonl'), record('c.log.jsonl')] },
      { store, log: memoryLogger(), sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(report.ingested.map((i) => i.key)).toEqual(['events.jsonl']);
    expect(report.skipped).toEqual([{ key: 'c.log.jsonl', reason: 'output of this product' }]);
  });

  it('logs and skips an object deleted before processing, without failing the invocation', async () => {
    const log = memoryLogger();
    const report = await ingestEvent({ Records: [record('gone.log')] }, { store: memoryStore(), log, sendFailures: () => Promise.resolve() }, OPTIONS);
    expect(report.skipped[0]?.reason).toMatch(/no longer exists/);
    expect(log.lines.some((l) => l.level === 'warn' && l.key === 'gone.log')).toBe(true);
  });

  it('finishes the other chunks, then fails the invocation so Lambda retries the failed one', async () => {
    const store = memoryStore({ 'logs-repo/a.log': SAMPLE, 'logs-repo/b.log': SAMPLE });
    const log = memoryLogger();
    let calls = 0;
    const sendFailures = () => (++calls === 1 ? Promise.reject(new Error('notify down')) : Promise.resolve());
    const run = ingestEvent({ Records: [record('a.log'), record('b.log')] }, { store, log, sendFailures }, OPTIONS);
    await expect(run).rejects.toBeInstanceOf(IngestFailedError);
    await expect(run).rejects.toThrow(/s3:\/\/logs-repo\/a.log: notify down/);
    expect(store.objects.has('logs-repo/b.log.summary.json')).toBe(true);
    expect(store.objects.has('logs-repo/a.log.summary.json')).toBe(false);
    expect(log.lines.some((l) => l.level === 'error' && l.key === 'a.log')).toBe(true);
  });
});

const sqsMessage = (messageId: string, body: unknown) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: {},
  messageAttributes: {},
  md5OfBody: 'x',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
  awsRegion: 'us-east-1',
});
const TEST_EVENT = { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'logs-repo' };

describe('ingestSqsEvent', () => {
  // notify fails for the first chunk only: a failure worth retrying, for that message alone.
  const failFirstNotify = () => {
    let calls = 0;
    return () => (++calls === 1 ? Promise.reject(new Error('notify down')) : Promise.resolve());
  };

  it('reports only the message whose chunk failed; the others are ingested and acknowledged', async () => {
    const store = memoryStore({ 'logs-repo/bad.log': SAMPLE, 'logs-repo/good.log': SAMPLE });
    const log = memoryLogger();
    const response = await ingestSqsEvent(
      { Records: [sqsMessage('m-bad', { Records: [record('bad.log')] }), sqsMessage('m-good', { Records: [record('good.log')] })] },
      { store, log, sendFailures: failFirstNotify() },
      OPTIONS,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    expect(store.objects.has('logs-repo/good.log.summary.json')).toBe(true);
    expect(store.objects.has('logs-repo/bad.log.summary.json')).toBe(false);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'ingest failed', messageId: 'm-bad', bucket: 'logs-repo', key: 'bad.log' }));
  });

  it('answers a batch that went through with an empty list', async () => {
    const store = memoryStore({ 'logs-repo/a.log': SAMPLE, 'logs-repo/b.log': SAMPLE });
    const response = await ingestSqsEvent(
      { Records: [sqsMessage('m-1', { Records: [record('a.log')] }), sqsMessage('m-2', { Records: [record('b.log')] }), sqsMessage('m-3', TEST_EVENT)] },
      { store, log: memoryLogger(), sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(store.objects.has('logs-repo/a.log.summary.json') && store.objects.has('logs-repo/b.log.summary.json')).toBe(true);
  });

  it('acknowledges the s3:TestEvent and a missing object (retrying cannot help), logging both', async () => {
    const log = memoryLogger();
    const response = await ingestSqsEvent(
      { Records: [sqsMessage('m-test', TEST_EVENT), sqsMessage('m-gone', { Records: [record('gone.log')] })] },
      { store: memoryStore(), log, sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'event record ignored', messageId: 'm-test', reason: 's3:TestEvent' }));
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', messageId: 'm-gone', key: 'gone.log' }));
  });

  it('reports a message whose body is not an S3 notification, so that it lands in the dead-letter queue', async () => {
    const store = memoryStore({ 'logs-repo/a.log': SAMPLE });
    const log = memoryLogger();
    const response = await ingestSqsEvent(
      { Records: [sqsMessage('m-garbage', 'not json'), sqsMessage('m-other', { hello: 1 }), sqsMessage('m-ok', { Records: [record('a.log')] })] },
      { store, log, sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-garbage' }, { itemIdentifier: 'm-other' }]);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'event record invalid', messageId: 'm-garbage', reason: expect.stringMatching(/^message body is not JSON/) as unknown }),
    );
    expect(store.objects.has('logs-repo/a.log.summary.json')).toBe(true);
  });

  it('reports the message alone when the store fails before its chunk is read', async () => {
    const store = memoryStore({ 'logs-repo/a.log': SAMPLE });
    const exists = store.exists.bind(store);
    store.exists = (bucket, key) => (key === 'x.log' ? Promise.reject(new Error('store unreachable')) : exists(bucket, key));
    const response = await ingestSqsEvent(
      // x.log.jsonl has an output's shape: ingest asks whether x.log exists.
      { Records: [sqsMessage('m-x', { Records: [record('x.log.jsonl')] }), sqsMessage('m-a', { Records: [record('a.log')] })] },
      { store, log: memoryLogger(), sendFailures: () => Promise.resolve() },
      OPTIONS,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-x' }] });
  });

  it('throws (the whole batch is redelivered) when it has no message ids to answer with', async () => {
    await expect(
      ingestSqsEvent({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, { store: memoryStore(), log: memoryLogger(), sendFailures: () => Promise.resolve() }, OPTIONS),
    ).rejects.toThrow(/not a valid SQS event/);
  });
});

describe('ingestEvent with an EventBridge event', () => {
  const objectCreated = (key: string) => ({
    version: '0',
    id: 'e-1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { version: '0', bucket: { name: 'logs-repo' }, object: { key, size: SAMPLE.length } },
  });

  it('ingests the object under its key as stored', async () => {
    const store = memoryStore({ 'logs-repo/a b+c.log': SAMPLE });
    const report = await ingestEvent(objectCreated('a b+c.log'), { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, OPTIONS);
    expect(report.ingested.map((i) => i.key)).toEqual(['a b+c.log']);
  });

  it('fails the invocation (EventBridge invokes asynchronously: Lambda retries) when the chunk failed', async () => {
    const store = memoryStore({ 'logs-repo/a.log': SAMPLE });
    const run = ingestEvent(objectCreated('a.log'), { store, log: memoryLogger(), sendFailures: () => Promise.reject(new Error('notify down')) }, OPTIONS);
    await expect(run).rejects.toThrow(/s3:\/\/logs-repo\/a.log: notify down/);
  });
});
