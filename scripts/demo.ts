// The whole round trip on the embedded default: start the local stack, upload the sample
// chunks and one object as a log shipper delivers it (Fluent Bit tail -> s3, gzip JSON Lines
// around FSCSM lines, under a Fluent Bit s3_key_format key), show the outputs written beside
// them and the notify payload, stop.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionLogs, LOCAL_CREDENTIALS, ROOT, startLocalStack } from './local-stack';
import { readText, s3ClientFor, upload, waitForObject } from './local-s3';

/** Fluent Bit s3 output, s3_key_format /fscsm/$TAG/%Y/%m/%d/%H_%M_%S_$UUID.jsonl.gz, compression gzip. */
const SHIPPED_KEY = 'fscsm/fscsm.audit/2015/06/29/05_40_00_3f2a9c1e.jsonl.gz';
const dataDir = mkdtempSync(join(tmpdir(), 'audit-demo-'));
console.log('starting the local stack (serverless-offline + embedded S3)...');
const stack = await startLocalStack({ dataDir });
try {
  const s3 = s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS);
  const uploads = [
    ...readdirSync(join(ROOT, 'samples')).map((name) => ({ key: `incoming/${name}`, file: join(ROOT, 'samples', name) })),
    { key: SHIPPED_KEY, file: join(ROOT, 'test/fixtures/shippers/fluentbit-s3-fscsm.jsonl.gz') },
  ];
  for (const { key, file } of uploads) {
    await upload(s3, stack.bucket, key, file);
    console.log(`\n== uploaded s3://${stack.bucket}/${key}`);
    await waitForObject(s3, stack.bucket, `${key}.summary.json`);
    const records = (await readText(s3, stack.bucket, `${key}.jsonl`)).trimEnd().split('\n');
    console.log(`-- ${key}.jsonl (${records.length} records; first 3):`);
    for (const line of records.slice(0, 3)) console.log(line);
    const summary = JSON.parse(await readText(s3, stack.bucket, `${key}.summary.json`)) as Record<string, unknown>;
    console.log(`-- ${key}.summary.json:`);
    const { format, compression, counts, contents } = summary;
    console.log(JSON.stringify({ format, compression, counts, ...(contents === undefined ? {} : { contents }) }));
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
