// `audit-ingest watch` as a real process (dist/cli.cjs) against the store named by STORE
// (issue 20; Swift is the store without notifications it is for: `npm run test:stores --
// swift`), through a fault proxy that records every request and can stall one mid-body:
// - chunks uploaded while it runs are ingested, once each (one summary write per chunk);
// - SIGTERM with a chunk in hand: no new chunk starts, that chunk finishes, exit 0;
// - a second SIGTERM with a chunk cut off mid-body: exit 143, no summary for it, and the
//   next run finishes it.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SummarySchema } from '../../lib/records';
import { ROOT } from '../../scripts/local-stack';
import { readText, upload } from '../../scripts/local-s3';
import { startBareStore, type BareStore } from '../support/bare-store';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { storeName } from '../support/store-targets';

const BUCKET = 'watch-logs';
const RUN = Date.now().toString(36);
let store: BareStore;
let proxy: FaultProxy;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT }); // the CLI as shipped
  store = await startBareStore(BUCKET, 17570);
  proxy = await startFaultProxy({ port: 17600, s3: store.endpoint, lambda: 'http://127.0.0.1:9' });
});
afterAll(async () => {
  await proxy?.close();
  await store?.stop();
});

const chunk = (n: number) =>
  Array.from({ length: n }, (_, i) => `2015/06/29 14:35:30.${String(i % 1000).padStart(3, '0')}\tuser${i}\tdelete user:u-${i}\t${i % 3 ? 'SUCCESS' : 'FAILED'}\n`).join('');

interface Watcher {
  child: ChildProcess;
  passes: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

function startWatch(prefix: string): Watcher {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist/cli.cjs'), 'watch', '--bucket', BUCKET, '--prefix', prefix, '--endpoint', proxy.url, '--every', '1s', '--no-alerts', '--concurrency', '2'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, S3_ACCESS_KEY_ID: store.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: store.credentials.secretAccessKey, S3_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' },
    },
  );
  const passes: Record<string, unknown>[] = [];
  let pending = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    pending += b.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) passes.push(JSON.parse(l) as Record<string, unknown>);
  });
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, passes, stderr: () => stderr, exited };
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const summaryWrites = (key: string) => proxy.requests.filter((r) => r.operation === 'PutObject' && r.key === `${key}.summary.json`).length;
const hasSummary = async (key: string) => (await store.keys(`${key}.summary.json`)).length === 1;
const passCount = (w: Watcher) => w.passes.filter((p) => p.message === 'watch pass').length;

describe(`watch on ${storeName()}`, () => {
  it('ingests chunks uploaded while it runs, once each, and stops after the chunk in hand on SIGTERM', async () => {
    const prefix = `live-${RUN}/`;
    const w = startWatch(prefix);
    try {
      await until('the first pass', () => passCount(w) >= 1);
      const keys = [0, 1, 2].map((i) => `${prefix}chunk ${i}.log`);
      for (const [i, key] of keys.entries()) {
        await upload(store.s3, BUCKET, key, Buffer.from(chunk(10 + i)));
        await until(`the summary of ${key}`, () => hasSummary(key));
      }
      // Further passes find nothing to do.
      const seen = passCount(w);
      await until('two more passes', () => passCount(w) >= seen + 2);
      for (const key of keys) expect(summaryWrites(key)).toBe(1);
      const summary = SummarySchema.parse(JSON.parse(await readText(store.s3, BUCKET, `${keys[2]}.summary.json`)));
      expect(summary.counts).toMatchObject({ totalLines: 12, parsed: 12, failedOperations: 4 });
      const last = w.passes.filter((p) => p.message === 'watch pass').at(-1);
      expect(last).toMatchObject({ level: 'info', chunks: 3, upToDate: 3, processed: 0, failed: 0, complete: true });

      // A chunk in hand (its GetObject held) when SIGTERM comes finishes, then it exits 0.
      let release = () => {};
      const held = new Promise<void>((r) => (release = r));
      const late = `${prefix}chunk 3.log`;
      proxy.add({ operation: 'GetObject', key: late, fault: { kind: 'hold', until: held }, times: 1 });
      await upload(store.s3, BUCKET, late, Buffer.from(chunk(5)));
      await until('the held read', () => proxy.requests.some((r) => r.operation === 'GetObject' && r.key === late));
      w.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      expect(w.child.exitCode).toBeNull(); // still finishing the chunk in hand
      release();
      expect(await w.exited).toBe(0);
      expect(await hasSummary(late)).toBe(true);
      expect(w.passes.at(-1)).toMatchObject({ message: 'watch stopped' });
    } finally {
      w.child.kill('SIGKILL');
    }
  });

  it('leaves no summary for a chunk cut off by a second SIGTERM mid-body, and the next run finishes it', async () => {
    const prefix = `cut-${RUN}/`;
    const key = `${prefix}big.log`;
    let release = () => {};
    const stalled = new Promise<void>((r) => (release = r));
    // The first 4 KB of the chunk arrive, then the body stalls with the connection open.
    proxy.add({ operation: 'GetObject', key, fault: { kind: 'cut-body', afterBytes: 4096, holdUntil: stalled }, times: 1 });
    await upload(store.s3, BUCKET, key, Buffer.from(chunk(2000)));
    const w = startWatch(prefix);
    try {
      await until('the read of the chunk', () => proxy.requests.some((r) => r.operation === 'GetObject' && r.key === key));
      await new Promise((r) => setTimeout(r, 300));
      w.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(143);
    } finally {
      release();
      w.child.kill('SIGKILL');
    }
    expect(await hasSummary(key)).toBe(false);
    expect(w.stderr()).toContain('stopping after the chunks in hand');

    const next = startWatch(prefix);
    try {
      await until('the summary from the next run', () => hasSummary(key));
      const summary = SummarySchema.parse(JSON.parse(await readText(store.s3, BUCKET, `${key}.summary.json`)));
      expect(summary.counts).toMatchObject({ totalLines: 2000, parsed: 2000 });
      expect(summaryWrites(key)).toBe(1);
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    } finally {
      next.child.kill('SIGKILL');
    }
  });
});
