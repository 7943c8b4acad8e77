// End to end on real processes: serverless-offline with the embedded S3 (s3rver) is started
// as a child process; chunks are uploaded with @aws-sdk/client-s3; s3rver's own
// notification triggers ingest, which writes outputs and invokes notify asynchronously.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntryRecordSchema, OutputRecordSchema, SummarySchema, countsReconcile } from '../../lib/records';
import { NotifyPayloadSchema } from '../../lib/notify-payload';
import { functionLogs, LOCAL_CREDENTIALS, ROOT, startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { readText, s3ClientFor, upload, waitForObject } from '../../scripts/local-s3';

// Ports away from the defaults, so a developer's running `npm start` does not collide.
const PORTS = { s3Port: 14569, lambdaPort: 13002, httpPort: 13000 };
const SAMPLE = readFileSync(join(ROOT, 'samples/fscsm_audit.log'));

let stack: LocalStack;
let s3: S3Client;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'audit-it-'));
  stack = await startLocalStack({ ...PORTS, dataDir });
  s3 = s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ingested(key: string) {
  await waitForObject(s3, stack.bucket, `${key}.summary.json`, 60_000);
  const summary = SummarySchema.parse(JSON.parse(await readText(s3, stack.bucket, `${key}.summary.json`)));
  const text = await readText(s3, stack.bucket, `${key}.jsonl`);
  const records = text
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => OutputRecordSchema.parse(JSON.parse(l)));
  return { summary, records };
}

async function notifyPayloadsFor(key: string, expected: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const payloads = functionLogs(stack.output(), 'failed operations received')
      .filter((l) => (l.source as { key?: string } | undefined)?.key === key)
      .map((l) => NotifyPayloadSchema.parse({ schemaVersion: 1, ...l }));
    if (payloads.length >= expected || Date.now() > deadline) return payloads;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('upload to the embedded S3 triggers ingest through serverless-offline', () => {
  it('writes records and summary beside a plain FSCSM chunk and notifies its FAILED lines', async () => {
    const key = 'incoming/fscsm_audit.log';
    await upload(s3, stack.bucket, key, SAMPLE);
    const { summary, records } = await ingested(key);

    expect(summary.source).toMatchObject({ bucket: 'logs-repo', key, size: SAMPLE.length });
    expect(summary.format).toBe('fscsm');
    expect(summary.compression).toBe('none');
    expect(summary.counts).toEqual({ totalLines: 21, blankLines: 0, parsed: 21, errors: 0, failedOperations: 2 });
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
    await upload(s3, stack.bucket, key, body);
    const { summary, records } = await ingested(key);
    expect(summary.compression).toBe('gzip');
    expect(summary.counts).toEqual({ totalLines: 4, blankLines: 1, parsed: 2, errors: 1, failedOperations: 1 });
    expect(records.map((r) => [r.line, r.kind])).toEqual([
      [1, 'entry'],
      [3, 'error'],
      [4, 'entry'],
    ]);
    expect(records[1]).toMatchObject({ kind: 'error', raw: 'not an audit line' });
    const payloads = await notifyPayloadsFor(key, 1);
    expect(payloads[0]?.failures[0]).toMatchObject({ line: 1, resourceType: 'request', resourceIds: ['59', '60'] });
  });

  // s3rver delivers keys raw (AWS would URL-encode them); the local stage is configured so.
  it.each([
    'incoming/with space.log',
    'incoming/plus+sign.log',
    'incoming/percent%41%zz.log',
    'incoming/ünïcödé-監査.log',
    'incoming/q&a=1?x.log',
  ])('processes the key %j exactly as uploaded', async (key) => {
    await upload(s3, stack.bucket, key, SAMPLE.subarray(0, SAMPLE.indexOf('\n') + 1));
    const { summary, records } = await ingested(key);
    expect(summary.source.key).toBe(key);
    expect(summary.outputs.records).toBe(`${key}.jsonl`);
    expect(records).toHaveLength(1);
  });

  it('does not reprocess its own outputs', async () => {
    const key = 'incoming/recursion-check.log';
    await upload(s3, stack.bucket, key, SAMPLE);
    await ingested(key);
    await new Promise((r) => setTimeout(r, 1500));
    // ingest ran for the chunk, and for its two outputs only to skip them: no output of an output.
    const ingestedKeys = functionLogs(stack.output(), 'chunk ingested').map((l) => l.key);
    expect(ingestedKeys.filter((k) => typeof k === 'string' && k.startsWith(key))).toEqual([key]);
    await expect(waitForObject(s3, stack.bucket, `${key}.jsonl.jsonl`, 500)).rejects.toThrow(/did not appear/);
  });

  it('streams a multipart upload (ObjectCreated:Post on s3rver) of a 12 MB chunk', async () => {
    const key = 'incoming/large.log';
    const line = (i: number) =>
      `2015/06/29 14:35:30.${String(i % 1000).padStart(3, '0')}\tuser${i}\tmodify user:u${i}\t${i % 1000 === 0 ? 'FAILED' : 'SUCCESS'}\n`;
    const lines: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 12 * 1024 * 1024; i++) {
      const l = line(i);
      lines.push(l);
      bytes += l.length;
    }
    await upload(s3, stack.bucket, key, Buffer.from(lines.join('')));
    const { summary } = await ingested(key);
    expect(summary.counts.totalLines).toBe(lines.length);
    expect(summary.counts.parsed).toBe(lines.length);
    expect(summary.counts.failedOperations).toBe(Math.ceil(lines.length / 1000));
    const payloads = await notifyPayloadsFor(key, 1);
    expect(payloads.reduce((n, p) => n + p.failures.length, 0)).toBe(summary.counts.failedOperations);
  });
});

describe('the Serverless Framework CLI (osls) on the same stack', () => {
  const osls = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, SLS_TELEMETRY_DISABLED: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });

  it('runs `invoke local` with the sample event in events/', async () => {
    await upload(s3, stack.bucket, 'incoming/fscsm_audit.log', SAMPLE);
    const { stdout } = await osls(['invoke', 'local', '--stage', 'local', '-f', 'ingest', '-p', 'events/object-created.local.json'], {
      S3_LOCAL_PORT: String(PORTS.s3Port),
      OFFLINE_LAMBDA_PORT: String(PORTS.lambdaPort),
    });
    const report = JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1)) as { ingested: { key: string; counts: { parsed: number } }[] };
    expect(report.ingested).toEqual([{ bucket: 'logs-repo', key: 'incoming/fscsm_audit.log', counts: expect.objectContaining({ parsed: 21 }) as unknown }]);
  });

  it('packages both functions offline, each bundle on its own', async () => {
    const out = mkdtempSync(join(tmpdir(), 'audit-pkg-'));
    try {
      await osls(['package', '--stage', 'dev', '--package', out]);
      const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      expect(template.Resources.IngestLambdaFunction?.Properties.Runtime).toBe('nodejs22.x');
      expect(template.Resources.NotifyLambdaFunction?.Properties.Role).toEqual({ 'Fn::GetAtt': ['NotifyRole', 'Arn'] });
      expect(readFileSync(join(out, 'ingest.zip')).length).toBeGreaterThan(1000);
      expect(readFileSync(join(out, 'notify.zip')).length).toBeGreaterThan(1000);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
