// Child process: one pass of the product's ingest path against an S3 endpoint, or the
// plain copy it is compared with, alone in its process so that its peak RSS is its own.
//   node ingest-child.cjs ingest|ingest-gzip|ingest-zstd|copy ENDPOINT BUCKET KEY
// prints one JSON line on stderr: {mode, seconds, maxRssKiB, counts?, outputBytes}
//
// "ingest" is what the Lambda handler runs per object: ingestObject (lib/ingest.ts), through
// ingestWhole (no time budget, so no continuation parts), over s3ObjectStore
// (functions/adapters/s3-store.ts): GetObject stream -> inflate -> lines -> records ->
// streamed multipart upload of <key>.jsonl, then <key>.summary.json; ingest-gzip and
// ingest-zstd the same with OUTPUT_COMPRESSION=gzip / zstd (<key>.jsonl.gz / .jsonl.zst).
// "copy" moves the same object's bytes through the same SDK, GetObject stream -> Upload,
// with the same part size and queue: the I/O floor the ingest path cannot beat.

import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { createS3Client, s3ObjectStore } from '../functions/adapters/s3-store';
import { ingestWhole } from '../lib/ingest';
import { createLogger } from '../lib/log';
import { DEFAULT_PARSE_OPTIONS } from '../lib/pipeline';
import type { Counts } from '../lib/records';
import { INGEST_OUTPUTS, type IngestMode } from './ingest-modes';

/** s3-store.ts's multipart settings (8 MiB parts, 2 in flight), so the copy pays the same. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** s3rver's fixed keys (see scripts/local-stack.ts). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };


export interface ChildResult {
  mode: IngestMode;
  seconds: number;
  /** process.resourceUsage().maxRSS: the peak of this whole process, in KiB. */
  maxRssKiB: number;
  /** CPU seconds of this process (user + system), to tell CPU-bound from waiting. */
  cpuSeconds: number;
  counts?: Counts;
  notifyBatches?: number;
  outputKey: string;
  outputBytes: number;
}

async function main(mode: IngestMode, endpoint: string, bucket: string, key: string): Promise<ChildResult> {
  const client = createS3Client({ endpoint, forcePathStyle: true, credentials: CREDENTIALS });
  const started = performance.now();
  let counts: Counts | undefined;
  let notifyBatches: number | undefined;
  let outputKey: string;
  if (mode !== 'copy' && Object.hasOwn(INGEST_OUTPUTS, mode)) {
    const result = await ingestWhole(
      { bucket, key },
      {
        store: s3ObjectStore(client),
        // Notify is another function; its async invoke is not part of this path.
        sendFailures: () => Promise.resolve(),
        log: createLogger({ bench: 'ingest' }, { level: 'warn', write: (line) => process.stderr.write(line + '\n') }),
      },
      { ...DEFAULT_PARSE_OPTIONS, maxPayloadBytes: 240_000, outputCompression: INGEST_OUTPUTS[mode] },
    );
    counts = result.summary.counts;
    notifyBatches = result.notifyBatches;
    outputKey = result.summary.outputs.records;
  } else if (mode === 'copy') {
    outputKey = `${key}.copy`;
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await new Upload({
      client,
      params: { Bucket: bucket, Key: outputKey, Body: res.Body as Readable },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    }).done();
  } else {
    throw new Error(`unknown mode "${String(mode)}" (expected ingest, ingest-gzip, ingest-zstd or copy)`);
  }
  const seconds = (performance.now() - started) / 1000;
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: outputKey }));
  return {
    mode,
    seconds,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuSeconds: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6,
    ...(counts ? { counts } : {}),
    ...(notifyBatches !== undefined ? { notifyBatches } : {}),
    outputKey,
    outputBytes: head.ContentLength ?? 0,
  };
}

const [mode, endpoint, bucket, key] = process.argv.slice(2);
if (mode === undefined || endpoint === undefined || bucket === undefined || key === undefined) {
  process.stderr.write('usage: ingest-child ingest|ingest-gzip|ingest-zstd|copy ENDPOINT BUCKET KEY\n');
  process.exit(2);
}
main(mode as IngestMode, endpoint, bucket, key).then(
  (result) => process.stderr.write(JSON.stringify(result) + '\n'),
  (err: unknown) => {
    process.stderr.write(`ingest-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
