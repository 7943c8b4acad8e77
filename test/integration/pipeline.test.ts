// End to end on real processes, against the store named by STORE (s3rver by default; ceph
// and swift through `npm run test:stores`): serverless-offline runs the functions, chunks
// are uploaded with @aws-sdk/client-s3, and the store's own notification (or, on Swift,
// an AWS-shaped event) triggers ingest, which writes outputs and invokes notify.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntryRecordSchema, countsReconcile } from '../../lib/records';
import { NotifyPayloadSchema } from '../../lib/notify-payload';
import { functionLogs, ROOT } from '../../scripts/local-stack';
import { waitForObject } from '../../scripts/local-s3';
import { startReceiver, type Receiver } from '../support/http-receiver';
import { alertedLines, ingested as ingestedChunk, put as putChunk, until } from '../support/ingested';
import { startTarget, storeName, type StoreTarget } from '../support/store-targets';

const SAMPLE = readFileSync(join(ROOT, 'samples/fscsm_audit.log'));
/** Keys unique to this run: a store kept between runs still holds the last run's claims. */
const RUN = Date.now().toString(36);

let target: StoreTarget;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  target = await startTarget(storeName(), { webhookUrl: receiver.url });
});

afterAll(async () => {
  await target?.stop();
  await receiver?.close();
});

const put = (key: string, body: Buffer) => putChunk(target, key, body);
const ingested = (key: string) => ingestedChunk(target, key);

async function notifyPayloadsFor(key: string, expected: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const payloads = functionLogs(target.stack.output(), 'failed operations received')
      .filter((l) => (l.source as { key?: string } | undefined)?.key === key)
      .map((l) => NotifyPayloadSchema.parse({ schemaVersion: 1, ...l }));
    if (payloads.length >= expected || Date.now() > deadline) return payloads;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe(`upload to ${storeName()} triggers ingest through serverless-offline`, () => {
  it('writes records and summary beside a plain FSCSM chunk and notifies its FAILED lines', async () => {
    const key = 'incoming/fscsm_audit.log';
    await put(key, SAMPLE);
    const { summary, records } = await ingested(key);

    expect(summary.source).toMatchObject({ bucket: target.bucket, key, size: SAMPLE.length });
    expect(summary.format).toBe('fscsm');
    expect(summary.compression).toBe('none');
    expect(summary.counts).toMatchObject({ totalLines: 21, blankLines: 0, parsed: 21, errors: 0, failedOperations: 2 });
    expect(countsReconcile(summary.counts)).toBe(true);
    expect(records).toHaveLength(21);
    expect(EntryRecordSchema.parse(records[10])).toMatchObject({
      line: 11,
      timestamp: '2015-06-29T16:19:18.382Z',
      resourceType: 'bizsystem',
      resourceIds: ['3'],
    });

    const payloads = await notifyPayloadsFor(key, 1);
    expect(payloads).toHaveLength(1);
    expect(payloads[0]?.records).toBe(`${key}.jsonl`);
    expect(payloads[0]?.failures.map((f) => [f.line, f.resourceIds])).toEqual([
      [2, ['op_manager']],
      [13, ['vm-1-biz01']],
    ]);
  });

  it('inflates a gzip chunk found by its magic bytes and keeps bad lines as error records', async () => {
    const key = 'incoming/rotated.1';
    const body = gzipSync(
      '2016/02/06 09:05:00.000\top_manager\tdelete: 59,60\tFAILED\r\n\r\nnot an audit line\r\n2016/02/06 09:06:00.000 cmd create accountingcode:AC-1 SUCCESS',
    );
    await put(key, body);
    const { summary, records } = await ingested(key);
    expect(summary.compression).toBe('gzip');
    expect(summary.counts).toMatchObject({ totalLines: 4, blankLines: 1, parsed: 2, errors: 1, failedOperations: 1 });
    expect(records.map((r) => [r.line, r.kind])).toEqual([
      [1, 'entry'],
      [3, 'error'],
      [4, 'entry'],
    ]);
    expect(records[1]).toMatchObject({ kind: 'error', raw: 'not an audit line' });
    const payloads = await notifyPayloadsFor(key, 1);
    expect(payloads[0]?.failures[0]).toMatchObject({ line: 1, resourceType: 'request', resourceIds: ['59', '60'] });
  });

  it('detects OpenStack CADF events (gzip, JSON Lines) and alerts on failure, not on pending', async () => {
    const key = `incoming/keystonemiddleware ${RUN}.jsonl.gz`;
    await put(key, gzipSync(readFileSync(join(ROOT, 'test/fixtures/cadf/keystonemiddleware-nova.jsonl'))));
    const { summary, records } = await ingested(key);
    expect(summary).toMatchObject({ format: 'cadf', formatDetected: true, compression: 'gzip' });
    expect(summary.counts).toMatchObject({ totalLines: 5, parsed: 5, errors: 0, failedOperations: 1, pendingOperations: 1 });
    expect(records.every((r) => r.kind === 'entry' && r.format === 'cadf')).toBe(true);
    const payloads = await notifyPayloadsFor(key, 1);
    expect(payloads.flatMap((p) => p.failures.map((f) => f.outcome))).toEqual(['FAILED']);
  });

  // s3rver and Ceph deliver keys raw, AWS (and our synthetic Swift events) URL-encoded.
  it.each([
    'incoming/with space.log',
    'incoming/plus+sign.log',
    'incoming/percent%41%zz.log',
    'incoming/ünïcödé-監査.log',
    'incoming/q&a=1?x.log',
  ])('processes the key %j exactly as uploaded', async (key) => {
    await put(key, SAMPLE.subarray(0, SAMPLE.indexOf('\n') + 1));
    const { summary, records } = await ingested(key);
    expect(summary.source.key).toBe(key);
    expect(summary.outputs.records).toBe(`${key}.jsonl`);
    expect(records).toHaveLength(1);
  });

  it('does not reprocess its own outputs', async () => {
    const key = 'incoming/recursion-check.log';
    await put(key, SAMPLE);
    await ingested(key);
    await new Promise((r) => setTimeout(r, 1500));
    // ingest ran for the chunk, and for its two outputs only to skip them: no output of an output.
    const ingestedKeys = functionLogs(target.stack.output(), 'chunk ingested').map((l) => l.key);
    expect(ingestedKeys.filter((k) => typeof k === 'string' && k.startsWith(key))).toEqual([key]);
    await expect(waitForObject(target.s3, target.bucket, `${key}.jsonl.jsonl`, 500)).rejects.toThrow(/did not appear/);
  });

  it('streams a multipart upload of a 21 MB chunk', async () => {
    const key = 'incoming/large.log';
    const line = (i: number) =>
      `2015/06/29 14:35:30.${String(i % 1000).padStart(3, '0')}\tuser${i}\tmodify user:u${i}\t${i % 1000 === 0 ? 'FAILED' : 'SUCCESS'}\n`;
    const lines: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 21 * 1024 * 1024; i++) {
      const l = line(i);
      lines.push(l);
      bytes += l.length;
    }
    await put(key, Buffer.from(lines.join('')));
    const { summary } = await ingested(key);
    expect(summary.counts.totalLines).toBe(lines.length);
    expect(summary.counts.parsed).toBe(lines.length);
    expect(summary.counts.failedOperations).toBe(Math.ceil(lines.length / 1000));
    const payloads = await notifyPayloadsFor(key, 1);
    expect(payloads.reduce((n, p) => n + p.failures.length, 0)).toBe(summary.counts.failedOperations);
  });
});

describe(`alerts from ${storeName()} reach the webhook exactly once`, () => {
  const failing = (n: number, tag: string) =>
    Buffer.from(
      Array.from({ length: n * 2 }, (_, i) =>
        i % 2 === 0 ? `2016/02/06 09:0${i % 10}:00.000\top\tdelete user:${tag}-${i}\tFAILED` : `2016/02/06 09:0${i % 10}:01.000\top\tcreate user:${tag}-${i}\tSUCCESS`,
      ).join('\n') + '\n',
    );
  const alertLines = (key: string) => alertedLines(receiver, key);
  const settle = () => new Promise((r) => setTimeout(r, 1500));

  it('sends one alert per FAILED line although the chunk is delivered 10 more times', async () => {
    const key = `incoming/duplicates-${RUN}.log`;
    await put(key, failing(3, 'dup'));
    await ingested(key);
    await until(() => alertLines(key).length >= 3);
    if (target.conditionalClaims) {
      // If-None-Match claims: concurrent duplicates, the case only an atomic claim survives.
      await Promise.all(Array.from({ length: 10 }, () => target.deliverAgain(key)));
    } else {
      // The documented fallback catches duplicates that do not overlap in time.
      for (let i = 0; i < 10; i++) {
        await target.deliverAgain(key);
        await new Promise((r) => setTimeout(r, 400));
      }
    }
    await settle();
    expect(alertLines(key).sort((a, b) => a - b)).toEqual([1, 3, 5]);
    // A copy is stopped by ingest's event claims (its events were alerted) or, racing the first
    // delivery, by notify's claim on the alert: either way some copies were stopped.
    const output = target.stack.output();
    const skipped = [
      ...functionLogs(output, 'alert already delivered; duplicate skipped').filter((l) => String(l.alertId).includes(key)),
      ...functionLogs(output, 'batch of FAILED operations alerted before; nothing sent').filter((l) => l.key === key),
    ];
    expect(skipped.length).toBeGreaterThanOrEqual(1);
  });

  it('delivers every alert once to a webhook that was down and came back', async () => {
    const key = `incoming/sink-down-${RUN}.log`;
    await receiver.down();
    try {
      await put(key, failing(2, 'down'));
      await ingested(key);
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      await receiver.up();
    }
    await until(() => alertLines(key).length >= 2);
    await settle();
    expect(alertLines(key)).toEqual([1, 3]);
    const retried = functionLogs(target.stack.output(), 'alert delivery failed, retrying').filter((l) => String(l.alertId).includes(key));
    expect(retried.length).toBeGreaterThanOrEqual(1);
  });
});
