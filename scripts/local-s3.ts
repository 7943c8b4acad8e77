// Small S3 helpers shared by the demo, the upload script and the integration tests.

import { createReadStream } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export function s3ClientFor(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
}

/** Uploads a file or bytes; lib-storage switches to multipart above one part (5 MiB). */
export async function upload(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<void> {
  const Body = typeof body === 'string' ? createReadStream(body) : body;
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body }, partSize: 5 * 1024 * 1024 }).done();
}

export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await res.Body?.transformToString('utf8')) ?? '';
}

/** Polls until the object exists (outputs appear asynchronously after an upload). */
export async function waitForObject(s3: S3Client, bucket: string, key: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`s3://${bucket}/${key} did not appear within ${timeoutMs} ms (last: ${(err as Error).name})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
