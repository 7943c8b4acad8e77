// The Serverless Framework CLI (osls) on the local stage: `invoke local` with the sample
// event in events/, and `package` working offline.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, ROOT, startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { readText, s3ClientFor, upload, waitForObject } from '../../scripts/local-s3';
import { SummarySchema } from '../../lib/records';

const PORTS = { s3Port: 15569, lambdaPort: 15002, httpPort: 15000 };

const osls = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, SLS_TELEMETRY_DISABLED: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });

describe('osls invoke local, and chunks continued across invocations', () => {
  let stack: LocalStack;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'audit-osls-'));
    // A tiny time budget per invocation, so a large chunk needs several (self-invoked) runs.
    stack = await startLocalStack({ ...PORTS, dataDir, env: { INGEST_TIME_BUDGET_MS: '150' } });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs ingest with the sample event in events/ against the local stack', async () => {
    await upload(s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS), stack.bucket, 'incoming/fscsm_audit.log', join(ROOT, 'samples/fscsm_audit.log'));
    const { stdout } = await osls(['invoke', 'local', '--stage', 'local', '-f', 'ingest', '-p', 'events/object-created.local.json'], {
      S3_LOCAL_PORT: String(PORTS.s3Port),
      OFFLINE_LAMBDA_PORT: String(PORTS.lambdaPort),
    });
    // The function's JSON log lines come first; the report is the pretty-printed object after them.
    const report = JSON.parse(stdout.slice(stdout.indexOf('\n{\n') + 1)) as { ingested: unknown[] };
    expect(report.ingested).toEqual([
      { bucket: 'logs-repo', key: 'incoming/fscsm_audit.log', counts: expect.objectContaining({ parsed: 21, failedOperations: 2 }) as unknown },
    ]);
  });

  it('completes a 21 MB chunk in numbered parts through async self-invokes, with one summary for all', async () => {
    const s3 = s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS);
    const key = 'incoming/too-big-for-one-run.log';
    const line = (i: number) => `2015/06/29 14:35:30.000\tuser${i}\tmodify user:u${i}\t${i % 997 === 0 ? 'FAILED' : 'SUCCESS'}\n`;
    const parts: string[] = [];
    let bytes = 0;
    let n = 0;
    for (; bytes < 21 * 1024 * 1024; n++) {
      const l = line(n);
      parts.push(l);
      bytes += l.length;
    }
    await upload(s3, stack.bucket, key, Buffer.from(parts.join('')));
    await waitForObject(s3, stack.bucket, `${key}.summary.json`, 90_000);
    const summary = SummarySchema.parse(JSON.parse(await readText(s3, stack.bucket, `${key}.summary.json`)));
    expect(summary.counts).toMatchObject({ totalLines: n, parsed: n, errors: 0, failedOperations: Math.ceil(n / 997) });
    expect(summary.outputs.parts?.length).toBeGreaterThan(1);
    let records = 0;
    let expected = 1;
    for (const part of summary.outputs.parts ?? []) {
      const lines = (await readText(s3, stack.bucket, part)).trimEnd().split('\n');
      for (const l of lines) expect((JSON.parse(l) as { line: number }).line).toBe(expected++);
      records += lines.length;
    }
    expect(records).toBe(n);
  });
});

describe('osls package', () => {
  it('packages both functions offline, each bundle on its own with its own role', async () => {
    const out = mkdtempSync(join(tmpdir(), 'audit-pkg-'));
    try {
      await osls(['package', '--stage', 'dev', '--package', out]);
      const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      expect(template.Resources.IngestLambdaFunction?.Properties.Runtime).toBe('nodejs22.x');
      expect(template.Resources.IngestLambdaFunction?.Properties.Role).toEqual({ 'Fn::GetAtt': ['IngestRole', 'Arn'] });
      expect(template.Resources.NotifyLambdaFunction?.Properties.Role).toEqual({ 'Fn::GetAtt': ['NotifyRole', 'Arn'] });
      expect(readFileSync(join(out, 'ingest.zip')).length).toBeGreaterThan(1000);
      expect(readFileSync(join(out, 'notify.zip')).length).toBeGreaterThan(1000);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
