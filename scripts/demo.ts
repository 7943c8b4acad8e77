// The whole round trip on the embedded default: start the local stack, upload the sample
// chunks, show the outputs written beside them and the notify payload, stop.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionLogs, LOCAL_CREDENTIALS, ROOT, startLocalStack } from './local-stack';
import { readText, s3ClientFor, upload, waitForObject } from './local-s3';

const dataDir = mkdtempSync(join(tmpdir(), 'audit-demo-'));
console.log('starting the local stack (serverless-offline + embedded S3)...');
const stack = await startLocalStack({ dataDir });
try {
  const s3 = s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS);
  for (const name of readdirSync(join(ROOT, 'samples'))) {
    const key = `incoming/${name}`;
    await upload(s3, stack.bucket, key, join(ROOT, 'samples', name));
    console.log(`\n== uploaded s3://${stack.bucket}/${key}`);
    await waitForObject(s3, stack.bucket, `${key}.summary.json`);
    const records = (await readText(s3, stack.bucket, `${key}.jsonl`)).trimEnd().split('\n');
    console.log(`-- ${key}.jsonl (${records.length} records; first 3):`);
    for (const line of records.slice(0, 3)) console.log(line);
    const summary = JSON.parse(await readText(s3, stack.bucket, `${key}.summary.json`)) as Record<string, unknown>;
    console.log(`-- ${key}.summary.json:`);
    console.log(JSON.stringify({ format: summary.format, compression: summary.compression, counts: summary.counts }));
  }
  // notify runs asynchronously; give the last invocation a moment to log.
  await new Promise((r) => setTimeout(r, 1500));
  console.log('\n== notify received (FAILED operations):');
  for (const rec of functionLogs(stack.output(), 'failed operations received')) {
    console.log(JSON.stringify({ source: rec.source, records: rec.records, batch: rec.batch, failures: rec.failures }, null, 2));
  }
} finally {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
