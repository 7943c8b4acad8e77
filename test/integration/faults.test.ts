// Fault injection on the real pipeline. serverless-offline runs ingest and notify, the
// embedded s3rver stores the chunks, and a fault proxy (test/support/fault-proxy.ts) sits
// between the functions and both the store (their S3_ENDPOINT) and the Lambda API (their
// LAMBDA_ENDPOINT), so a test can cut a GetObject mid-body, fail an upload, make notify
// unreachable, or delete a chunk just before ingest reads it. Uploads and checks go straight
// to s3rver, around the proxy: what a user finds in the container. Alerts go to a real
// HTTP receiver. What each fault must leave behind is docs/reliability.md's "Faults" table.
//
// Lambda retries a failed async invocation (twice, then the dead-letter queue);
// serverless-offline does not. Where a test needs that retry, it invokes the function again
// itself with the same event or payload, which is what Lambda's retry does.
//
// Claims: the local stage runs CLAIM_MODE=check-then-put, as s3rver ignores If-None-Match, so
// duplicates racing the *first* delivery of an alert could both send it (documented). Here a
// retry or duplicate comes after the earlier attempt's alerts have settled, as Lambda's
// retries (a minute or more apart) and S3's redeliveries do. Truly concurrent first
// deliveries are tested with the atomic claim on Ceph radosgw: `npm run test:stores`
// (STORE=ceph, pipeline.test.ts, "delivered 10 more times").

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimKey } from '../../lib/alerts/claims';
import { NotifyPayloadSchema, type NotifyPayload } from '../../lib/notify-payload';
import { countsReconcile, OutputRecordSchema, SummarySchema } from '../../lib/records';
import { functionLogs, LOCAL_CREDENTIALS, startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { readText, s3ClientFor, upload } from '../../scripts/local-s3';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/fault-proxy';
import { startReceiver, type Receiver } from '../support/http-receiver';

// Ports of this suite alone (pipeline/sweep use 13xxx/14xxx, a developer's stack 3xxx/4569).
const PORTS = { s3Port: 16569, lambdaPort: 16002, httpPort: 16000 };
const PROXY_PORT = 16600;
const BUCKET = 'logs-repo';
const INGEST = 'audit-log-ingest-local-ingest';
const NOTIFY = 'audit-log-ingest-local-notify';
const SINK = 'webhook-json';
const DUPLICATE = 'alert already delivered; duplicate skipped';
const REPEATS = 'batch of FAILED operations alerted before; nothing sent';
const OBJECT_GONE = 'object gone or replaced before processing; nothing to do';

let dataDir: string;
let receiver: Receiver;
let proxy: FaultProxy;
let stack: LocalStack;
let s3: S3Client;
let lambda: LambdaClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'audit-faults-'));
  receiver = await startReceiver();
  proxy = await startFaultProxy({
    port: PROXY_PORT,
    s3: `http://127.0.0.1:${PORTS.s3Port}`,
    lambda: `http://127.0.0.1:${PORTS.lambdaPort}`,
  });
  stack = await startLocalStack({
    ...PORTS,
    lambdaEndpointPort: PROXY_PORT,
    dataDir,
    echo: process.env.STACK_ECHO === '1',
    env: { STORE_S3_ENDPOINT: proxy.url, ALERT_WEBHOOK_URL: receiver.url, CLAIM_MODE: 'check-then-put' },
  });
  s3 = s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS);
  lambda = new LambdaClient({ region: 'us-east-1', endpoint: stack.lambdaEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

// A test that fails half-way must not leave its fault on for the next one.
afterEach(() => proxy?.clear());

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await receiver?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---- chunks and events ---------------------------------------------------------------

interface Chunk {
  text: Buffer;
  lines: number;
  /** Line numbers of the FAILED operations, ascending. */
  failed: number[];
}

/** `n` FSCSM lines; line i (1-based) is FAILED when `failedAt(i)`; `salt(i)` varies the user IDs. */
function fscsm(n: number, tag: string, failedAt: (i: number) => boolean, salt: (i: number) => string = () => ''): Chunk {
  const failed: number[] = [];
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    const fail = failedAt(i);
    if (fail) failed.push(i);
    const time = `09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}`;
    lines.push(`2016/02/06 ${time}\top_${tag}\tdelete user:${tag}-${i}${salt(i)}\t${fail ? 'FAILED' : 'SUCCESS'}\n`);
  }
  return { text: Buffer.from(lines.join('')), lines: n, failed };
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** The ObjectCreated event s3rver sends for a PutObject of `body` (raw key, unquoted MD5 ETag). */
function objectCreated(key: string, body: Buffer): unknown {
  return {
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET }, object: { key, size: body.length, eTag: md5(body) } },
      },
    ],
  };
}

// ---- the test plays Lambda and the user -----------------------------------------------

/** A synchronous invocation straight to serverless-offline (not through the proxy). */
async function invoke(functionName: string, payload: unknown): Promise<{ error?: string; result?: unknown }> {
  const res = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
  const text = Buffer.from(res.Payload ?? []).toString('utf8');
  if (res.FunctionError) return { error: text };
  return { result: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Lambda's retry of an ingest invocation: the same event again. */
const retryIngest = (key: string, body: Buffer) => invoke(INGEST, objectCreated(key, body));

/** Lambda's retry of a notify invocation: the same payload again. */
const retryNotify = (payload: NotifyPayload) => invoke(NOTIFY, payload);

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

async function until(what: string, done: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- what the functions said and did ------------------------------------------------------

const ALERT_ID = new RegExp(`^${BUCKET}/(.*)@[^@#]*#\\d+$`);

/** The functions' log lines with `message` about chunk `key` (by key, source.key or alert id). */
function logs(message: string, key: string): Record<string, unknown>[] {
  return functionLogs(stack.output(), message).filter(
    (l) => l.key === key || (l.source as { key?: unknown } | undefined)?.key === key || ALERT_ID.exec(String(l.alertId))?.[1] === key,
  );
}

const OUTCOMES = ['ingest failed', 'chunk ingested', OBJECT_GONE];

/** How ingest's first run on `key` ended: the first of its outcome log lines. */
async function firstOutcome(key: string, ms?: number): Promise<Record<string, unknown>> {
  const outcomes = () => functionLogs(stack.output()).filter((l) => OUTCOMES.includes(String(l.message)) && l.key === key);
  await until(`ingest of ${key} to end`, () => outcomes().length > 0, ms);
  return outcomes()[0] as Record<string, unknown>;
}

/** ingest's first run on `key` failed (rather than completing or skipping it): its log line. */
async function failedAttempt(key: string, ms?: number): Promise<Record<string, unknown>> {
  const outcome = await firstOutcome(key, ms);
  expect(outcome.message).toBe('ingest failed');
  return outcome;
}

// Each notify request's payload, parsed once: polls ask for it per chunk every 100 ms, and the
// earlier cases leave payloads of thousands of failures (parsing them all on every poll of
// the 100-chunk burst kept a core busy: 190 s instead of 72).
const payloads = new WeakMap<ProxiedRequest, NotifyPayload>();
function payloadOf(request: ProxiedRequest): NotifyPayload {
  let payload = payloads.get(request);
  if (payload === undefined) {
    payload = NotifyPayloadSchema.parse(JSON.parse(request.body as string));
    payloads.set(request, payload);
  }
  return payload;
}

/**
 * The notify invocations ingest made for `key`, as the proxy saw them: accepted = answered
 * 202; ended = notify ran to its end; functionError = it failed (Lambda would retry it).
 */
function notifyInvocations(key: string): { payload: NotifyPayload; accepted: boolean; ended: boolean; functionError?: string }[] {
  return proxy.requests
    .filter((r) => r.functionName === NOTIFY && r.body !== undefined)
    .map((r) => ({
      payload: payloadOf(r),
      accepted: r.status === 202,
      ended: r.ended === true,
      ...(r.functionError !== undefined ? { functionError: r.functionError } : {}),
    }))
    .filter((i) => i.payload.source.key === key);
}

/** Every notify invocation ingest made for these chunks has ended: no alert is still on its way. */
async function notifySettled(keys: string | string[], ms = 30_000): Promise<void> {
  const all = Array.isArray(keys) ? keys : [keys];
  await until(
    `notify to finish the batches of ${all.length === 1 ? all[0] : `${all.length} chunks`}`,
    () => all.every((key) => notifyInvocations(key).every((i) => !i.accepted || i.ended)),
    ms,
  );
}

interface AlertBody {
  id: string;
  source: { bucket: string; key: string; etag?: string };
  batch: number;
  failedCount: number;
  more: number;
  failures: { line: number }[];
}

const alertsFor = (key: string): AlertBody[] =>
  receiver.received.map((r) => r.json as AlertBody).filter((a) => a?.source?.key === key);

/**
 * Each FAILED line of the chunk reached the webhook exactly once: every batch ingest formed
 * (the same lines in every attempt) was alerted once, and the batches cover the FAILED
 * lines exactly. An alert lists its first failures in full and counts the rest.
 */
function expectEachFailedLineAlertedOnce(key: string, failed: number[]): void {
  const alerts = alertsFor(key);
  expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
  const batches = alerts.map((a) => a.batch).sort((a, b) => a - b);
  expect(batches).toEqual(Array.from({ length: batches.length }, (_, i) => i + 1));

  const formed = new Map<number, number[]>();
  for (const { payload } of notifyInvocations(key)) {
    const lines = payload.failures.map((f) => f.line);
    const known = formed.get(payload.batch);
    if (known) expect(lines).toEqual(known);
    else formed.set(payload.batch, lines);
  }
  expect([...formed.keys()].sort((a, b) => a - b)).toEqual(batches);
  for (const alert of alerts) {
    const lines = formed.get(alert.batch) ?? [];
    expect(alert.failedCount).toBe(lines.length);
    expect(alert.failures.map((f) => f.line)).toEqual(lines.slice(0, alert.failures.length));
    expect(alert.more).toBe(lines.length - alert.failures.length);
  }
  const covered = [...formed.entries()].sort(([a], [b]) => a - b).flatMap(([, lines]) => lines);
  expect(covered).toEqual(failed);
}

/** The chunk's outputs are there and complete: summary counts reconcile with the records. */
async function expectComplete(key: string, chunk: Chunk, body: Buffer): Promise<void> {
  const summary = SummarySchema.parse(JSON.parse(await readText(s3, BUCKET, `${key}.summary.json`)));
  expect(summary.source).toMatchObject({ bucket: BUCKET, key, etag: md5(body), size: body.length });
  expect(summary.counts).toMatchObject({ totalLines: chunk.lines, blankLines: 0, parsed: chunk.lines, errors: 0, failedOperations: chunk.failed.length });
  expect(countsReconcile(summary.counts)).toBe(true);
  expect(summary.streamError).toBeUndefined();
  const records = (await readText(s3, BUCKET, `${key}.jsonl`))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => OutputRecordSchema.parse(JSON.parse(l)));
  expect(records).toHaveLength(chunk.lines);
  expect(records.every((r, i) => r.line === i + 1 && r.kind === 'entry')).toBe(true);
  expect(records.filter((r) => r.kind === 'entry' && r.outcome === 'FAILED').map((r) => r.line)).toEqual(chunk.failed);
}

const invocationFailures = (fn: 'ingest' | 'notify', mentioning: string) =>
  functionLogs(stack.output(), 'invocation failed').filter(
    (l) => l.function === fn && String((l.error as { message?: unknown } | undefined)?.message).includes(mentioning),
  );

/** The invocation failed as a whole (logged by the middleware as it ends): Lambda would retry it. */
async function invocationFailed(fn: 'ingest' | 'notify', mentioning: string): Promise<void> {
  await until(`the ${fn} invocation to fail`, () => invocationFailures(fn, mentioning).length > 0);
  expect(invocationFailures(fn, mentioning)).toHaveLength(1);
}

// ---- the cases ------------------------------------------------------------------------------

describe('the fault proxy is in the path', () => {
  it('carries the functions\' store reads and writes and their notify invocations (else no fault below could bite)', async () => {
    const key = 'faults/through-the-proxy.log';
    const chunk = fscsm(10, 'via', (i) => i === 4);
    await upload(s3, BUCKET, key, chunk.text);
    await until('the summary', () => exists(`${key}.summary.json`));
    await notifySettled(key);
    const seen = (op: string, k: string) => proxy.requests.some((r) => r.operation === op && r.key === k && r.status === 200);
    expect(seen('GetObject', key)).toBe(true);
    expect(seen('PutObject', `${key}.jsonl`)).toBe(true);
    expect(seen('PutObject', `${key}.summary.json`)).toBe(true);
    expect(notifyInvocations(key).map((i) => i.accepted)).toEqual([true]);
    // notify's claims go through it too.
    expect(proxy.requests.some((r) => r.key?.startsWith('.audit-ingest/claims/') && r.operation === 'PutObject')).toBe(true);
    expectEachFailedLineAlertedOnce(key, [4]);
  });
});

describe('GetObject fails mid-stream', () => {
  // 8000 FAILED lines: about nine notify batches, most of which leave before the connection drops.
  // A hash in each line keeps gzip from shrinking the chunk into one network read.
  // One chunk per layout: the same lines twice would be the same events, alerted once.
  const chunkOf = (layout: string) => fscsm(8000, `cut${layout}`, () => true, (i) => createHash('sha1').update(String(i)).digest('hex').slice(0, 12));
  const plain = chunkOf('plain');
  const zipped = chunkOf('gzip');
  it.each([
    { layout: 'plain', body: plain.text, chunk: plain },
    { layout: 'gzip', body: gzipSync(zipped.text), chunk: zipped },
  ])(
    'a $layout chunk cut mid-body fails the invocation with nothing visible as complete; its retry completes it and alerts each FAILED line once',
    async ({ layout, body, chunk }) => {
      const key = `faults/cut-mid-body.${layout}.log`;
      let drop = (): void => undefined;
      const dropped = new Promise<void>((r) => (drop = r));
      // The connection stalls after 80 % of the bytes and drops once a first batch has left.
      const cut = proxy.add({ operation: 'GetObject', key, fault: { kind: 'cut-body', afterBytes: Math.floor(body.length * 0.8), holdUntil: dropped } });

      await upload(s3, BUCKET, key, body);
      await until('a first batch of failures to leave before the cut', () => notifyInvocations(key).length > 0);
      drop();
      // The batches parsed before the drop still claim their events (two requests each on
      // s3rver's check-then-put) before the stream's error surfaces.
      const failure = await failedAttempt(key, 120_000);
      expect(cut.hits).toBe(1);
      // The connection error itself; not a damaged gzip, which would be the chunk's own fault
      // and end in a complete summary with streamError.
      expect(failure.error).not.toMatchObject({ name: 'InflateError' });
      await invocationFailed('ingest', `s3://${BUCKET}/${key}:`);
      expect(logs(OBJECT_GONE, key)).toEqual([]);
      // Nothing is visible as complete, and no partial records are visible either.
      expect(await exists(`${key}.summary.json`)).toBe(false);
      expect(await exists(`${key}.jsonl`)).toBe(false);

      // The batches that left before the cut are alerted, once each.
      await notifySettled(key);
      const early = notifyInvocations(key).length;
      expect(alertsFor(key).map((a) => a.batch).sort((a, b) => a - b)).toEqual(Array.from({ length: early }, (_, i) => i + 1));

      // The fault clears; Lambda's retry runs the same event again.
      cut.remove();
      expect(await retryIngest(key, body)).toMatchObject({ result: { failed: [], ingested: [{ key }] } });
      await expectComplete(key, chunk, body);
      await notifySettled(key);
      expectEachFailedLineAlertedOnce(key, chunk.failed);
      expect(alertsFor(key).length).toBeGreaterThan(early);
      // The retry formed the early batches again; their events' claims (delivered) kept them
      // from notify, or notify's claim on the alert from a second alert.
      expect(logs(DUPLICATE, key).length + logs(REPEATS, key).length).toBe(early);
    },
    300_000,
  );
});

describe('writing the outputs fails', () => {
  // About 10 MB of records: ingest's streamed upload becomes a two-part multipart upload.
  // A chunk of its own per case: the same lines in two cases would be the same events, alerted once.
  const large = (tag: string) => fscsm(45_000, tag, (i) => i % 1000 === 1);
  const small = (tag: string) => fscsm(40, tag, (i) => i % 10 === 3);
  it.each([
    { what: 'UploadPart of the records answers 500', operation: 'UploadPart', output: '.jsonl', status: 500, chunk: large('mpu') },
    { what: 'CompleteMultipartUpload of the records answers 503', operation: 'CompleteMultipartUpload', output: '.jsonl', status: 503, chunk: large('mpc') },
    { what: 'PutObject of the records answers 500', operation: 'PutObject', output: '.jsonl', status: 500, chunk: small('put') },
    { what: 'PutObject of the summary answers 503', operation: 'PutObject', output: '.summary.json', status: 503, chunk: small('sum') },
  ] as const)('when $what, the invocation fails with no summary visible; its retry completes the chunk', async ({ operation, output, status, chunk }) => {
    const key = `faults/write-${operation}-${output.slice(1)}.log`;
    const records = `${key}.jsonl`;
    const fault = proxy.add({ operation, key: `${key}${output}`, fault: { kind: 'status', status } });

    await upload(s3, BUCKET, key, chunk.text);
    await failedAttempt(key);
    expect(fault.hits).toBeGreaterThanOrEqual(1);
    await invocationFailed('ingest', `s3://${BUCKET}/${key}:`);
    expect(await exists(`${key}.summary.json`)).toBe(false);
    if (output === '.jsonl') expect(await exists(records)).toBe(false);
    if (operation !== 'PutObject') {
      // The multipart upload was aborted. (s3rver implements neither AbortMultipartUpload nor
      // ListMultipartUploads, so what counts is that ingest asked: the proxy saw it.)
      const parts = proxy.requests.filter((r) => r.key === records && r.operation === 'UploadPart');
      const aborts = proxy.requests.filter((r) => r.key === records && r.operation === 'AbortMultipartUpload');
      expect(new Set(parts.map((r) => r.uploadId)).size).toBe(1);
      expect(aborts.map((r) => r.uploadId)).toEqual([parts[0]?.uploadId]);
      // Only once every part had settled: a part landing after the abort would be kept (and billed).
      const abortedAt = aborts[0]?.at ?? 0;
      expect(parts.filter((p) => p.finishedAt === undefined || p.finishedAt > abortedAt)).toEqual([]);
    }

    await notifySettled(key);
    fault.remove();
    expect(await retryIngest(key, chunk.text)).toMatchObject({ result: { failed: [], ingested: [{ key }] } });
    await expectComplete(key, chunk, chunk.text);
    await notifySettled(key);
    expectEachFailedLineAlertedOnce(key, chunk.failed);
  });
});

describe('notify is unreachable', () => {
  it('when ingest cannot invoke notify, the invocation fails with no summary visible; its retry completes the chunk and alerts once', async () => {
    const key = 'faults/notify-unreachable.log';
    const chunk = fscsm(30, 'nu', (i) => i % 10 === 4);
    const down = proxy.add({
      functionName: NOTIFY,
      payload: (body) => (JSON.parse(body) as { source?: { key?: string } }).source?.key === key,
      fault: { kind: 'reset' },
    });

    await upload(s3, BUCKET, key, chunk.text);
    await failedAttempt(key);
    expect(down.hits).toBeGreaterThanOrEqual(1);
    await invocationFailed('ingest', `s3://${BUCKET}/${key}:`);
    expect(await exists(`${key}.summary.json`)).toBe(false);
    expect(alertsFor(key)).toEqual([]);

    down.remove();
    expect(await retryIngest(key, chunk.text)).toMatchObject({ result: { failed: [], ingested: [{ key }] } });
    await expectComplete(key, chunk, chunk.text);
    await notifySettled(key);
    expectEachFailedLineAlertedOnce(key, chunk.failed);
  });

  it(
    'when the webhook is down for a whole notify invocation, notify fails and lets go of its claim; the retry delivers the alert once',
    async () => {
      const key = 'faults/webhook-down.log';
      const chunk = fscsm(12, 'wd', (i) => i % 4 === 1);
      const restore = receiver.failWhile((body) => body.includes(`"key":${JSON.stringify(key)}`), 503);
      try {
        await upload(s3, BUCKET, key, chunk.text);
        await until('the summary', () => exists(`${key}.summary.json`));
        // notify retries until its deadline (60 s timeout less 3 s), then fails.
        await until('notify to give up', () => notifyInvocations(key).some((i) => i.ended), 75_000);
      } finally {
        restore();
      }
      const [sent] = notifyInvocations(key);
      if (!sent) throw new Error(`no notify invocation for ${key}`);
      const alertId = `${BUCKET}/${key}@${md5(chunk.text)}#1`;
      expect(alertsFor(key)).toEqual([]);
      // Retried with backoff inside the invocation, then the invocation failed (Lambda retries it) ...
      expect(receiver.rejected.filter((r) => r.body.includes(JSON.stringify(key))).length).toBeGreaterThan(1);
      expect(logs('alert delivery failed, retrying', key).length).toBeGreaterThan(0);
      expect((JSON.parse(sent.functionError ?? '{}') as { errorMessage?: string }).errorMessage).toMatch(
        /^alert .* not delivered to webhook-json: webhook answered HTTP 503$/,
      );
      await invocationFailed('notify', alertId);
      // ... having released its claim, so that the retry need not wait for the lease.
      expect(await exists(claimKey(alertId, SINK, 0))).toBe(false);

      // The webhook is back; Lambda's retry of the notify invocation delivers it.
      expect(await retryNotify(sent.payload)).toMatchObject({ result: { accepted: true, sinks: [{ sink: SINK, outcome: 'delivered' }] } });
      // Lambda's second retry, or a replay from the dead-letter queue: no second alert.
      expect(await retryNotify(sent.payload)).toMatchObject({ result: { sinks: [{ sink: SINK, outcome: 'duplicate' }] } });
      await notifySettled(key);
      expectEachFailedLineAlertedOnce(key, chunk.failed);
    },
    120_000,
  );
});

describe('the chunk is deleted before ingest reads it', () => {
  it('logs that the object is gone and succeeds, so nothing retries it; no output is written', async () => {
    const key = 'faults/deleted-before-processing.log';
    const chunk = fscsm(10, 'del', (i) => i === 2);
    let release = (): void => undefined;
    const held = proxy.add({ operation: 'GetObject', key, times: 1, fault: { kind: 'hold', until: new Promise<void>((r) => (release = r)) } });

    await upload(s3, BUCKET, key, chunk.text);
    // ingest has the event and is reading the chunk: delete it now, then let the read go on.
    await until('ingest to read the chunk', () => held.hits === 1);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    release();

    const gone = await firstOutcome(key);
    expect(gone).toMatchObject({ message: OBJECT_GONE, level: 'warn', function: 'ingest', bucket: BUCKET, key, error: { name: 'ObjectMissingError' } });
    expect(String((gone.error as { message?: unknown }).message)).toContain('no longer exists');

    // The event again, as Lambda's retry or a duplicate S3 event would bring it: a success
    // (so Lambda stops), with the key reported as skipped.
    const again = await retryIngest(key, chunk.text);
    expect(again.error).toBeUndefined();
    expect(again.result).toMatchObject({ ingested: [], failed: [], skipped: [{ key, reason: expect.stringContaining('no longer exists') as unknown }] });
    expect(logs(OBJECT_GONE, key)).toHaveLength(2);
    expect(logs('ingest failed', key)).toEqual([]);
    expect(invocationFailures('ingest', key)).toEqual([]);
    expect(await exists(`${key}.jsonl`)).toBe(false);
    expect(await exists(`${key}.summary.json`)).toBe(false);
    expect(notifyInvocations(key)).toEqual([]);
    expect(alertsFor(key)).toEqual([]);
  });
});

describe('many chunks and duplicate events', () => {
  it('100 chunks uploaded at once get 100 complete summaries and 3 alerted FAILED lines each, once', async () => {
    const prefix = 'faults/burst/';
    const chunks = Array.from({ length: 100 }, (_, n) => ({
      key: `${prefix}chunk-${String(n).padStart(3, '0')}.log`,
      // 24 lines, 3 of them FAILED (where they fall differs from chunk to chunk).
      chunk: fscsm(24, `b${n}`, (i) => i % 8 === n % 8),
    }));
    await Promise.all(chunks.map(({ key, chunk }) => upload(s3, BUCKET, key, chunk.text)));

    const summaries = async (): Promise<number> => {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
      return (res.Contents ?? []).filter((o) => o.Key?.endsWith('.summary.json')).length;
    };
    await until('100 summaries', async () => (await summaries()) === 100, 120_000);
    for (const { key, chunk } of chunks) await expectComplete(key, chunk, chunk.text);

    const keys = chunks.map((c) => c.key);
    await notifySettled(keys, 60_000);
    // Lambda retries a failed async invocation twice. Under this burst a notify can fail
    // locally (serverless-offline's timeout counts its worker's cold start); the proxy only
    // records that, so the test retries such payloads as Lambda would. Claims keep it once.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const failed = keys.flatMap((key) =>
        notifyInvocations(key).filter((i) => i.functionError !== undefined && !alertsFor(key).some((a) => a.batch === i.payload.batch)),
      );
      for (const { payload } of failed) await retryNotify(payload);
    }
    for (const { key, chunk } of chunks) {
      expect(chunk.failed).toHaveLength(3);
      expectEachFailedLineAlertedOnce(key, chunk.failed);
      expect(alertsFor(key)).toHaveLength(1);
    }
    const alerts = receiver.received.map((r) => r.json as AlertBody).filter((a) => a?.source?.key.startsWith(prefix));
    expect(alerts).toHaveLength(100);
    expect(alerts.reduce((n, a) => n + a.failedCount, 0)).toBe(300);
    expect(keys.flatMap((key) => logs('ingest failed', key))).toEqual([]);
    // Longer than its waits together (120 s + 60 s), so that a slow run fails with what it waited for.
  }, 240_000);

  it('the same event delivered 10 more times at once leaves one complete output and alerts each FAILED line once', async () => {
    const key = 'faults/duplicate-event.log';
    const chunk = fscsm(50, 'dup', (i) => i % 7 === 0);
    await upload(s3, BUCKET, key, chunk.text);
    await until('the summary', () => exists(`${key}.summary.json`));
    await notifySettled(key);
    expect(alertsFor(key)).toHaveLength(1);
    const records = await readText(s3, BUCKET, `${key}.jsonl`);

    // S3 redelivers after the first delivery: ten copies of its event, all at once. (Copies
    // racing the first delivery itself need the atomic claim: see the top of this file.)
    const event = objectCreated(key, chunk.text);
    const runs = await Promise.all(Array.from({ length: 10 }, () => invoke(INGEST, event)));
    expect(runs.map((r) => r.error)).toEqual(Array.from({ length: 10 }, () => undefined));
    expect(runs.map((r) => (r.result as { ingested?: { key: string }[] }).ingested?.map((i) => i.key))).toEqual(Array.from({ length: 10 }, () => [key]));

    await expectComplete(key, chunk, chunk.text);
    expect(await readText(s3, BUCKET, `${key}.jsonl`)).toBe(records);
    await notifySettled(key);
    expectEachFailedLineAlertedOnce(key, chunk.failed);
    // Each copy formed the same batch again and found its events alerted: nothing went to notify.
    expect(logs(REPEATS, key)).toHaveLength(10);
    expect(logs(DUPLICATE, key)).toHaveLength(0);
  });
});
