// Uploads audit-log chunks (default: samples/*) into the local stack's bucket, which
// triggers ingest exactly as an upload to S3 does.
//   npm run upload [-- FILE...]     (S3_ENDPOINT, BUCKET and PREFIX override the defaults)

import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LOCAL_BUCKET, LOCAL_CREDENTIALS, ROOT } from './local-stack';
import { s3ClientFor, upload } from './local-s3';

const endpoint = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:4569';
const bucket = process.env.BUCKET ?? LOCAL_BUCKET;
const prefix = process.env.PREFIX ?? 'incoming/';
const files = process.argv.slice(2);
const inputs = files.length > 0 ? files : readdirSync(join(ROOT, 'samples')).map((f) => join(ROOT, 'samples', f));

const s3 = s3ClientFor(endpoint, LOCAL_CREDENTIALS);
for (const file of inputs) {
  const key = prefix + basename(file);
  await upload(s3, bucket, key, file);
  console.log(`uploaded s3://${bucket}/${key}  -> outputs: ${key}.jsonl, ${key}.summary.json`);
}
