// The records upload against a mocked S3 client: one PutObject for small bodies, a multipart
// upload with parts in order otherwise, and an abort (never a completion) on any failure.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { uploadStream } from '../../../functions/adapters/s3-upload';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const target = { Bucket: 'logs', Key: 'k.log.jsonl', ContentType: 'application/x-ndjson' };

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) {
    await Promise.resolve();
    yield data.subarray(i, i + size);
  }
}

const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));

/** What each UploadPart received, as copies: the uploader reuses its buffers. */
function recordParts(delayMs = 0): Map<number, Buffer> {
  const parts = new Map<number, Buffer>();
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
  s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number; Body: Buffer }) => {
    parts.set(input.PartNumber, Buffer.from(input.Body));
    await new Promise((r) => setTimeout(r, delayMs * (input.PartNumber % 3)));
    return { ETag: `"e${input.PartNumber}"` };
  });
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
  return parts;
}

beforeEach(() => s3.reset());

describe('uploadStream', () => {
  it('writes a body smaller than one part with a single PutObject', async () => {
    s3.on(PutObjectCommand).resolves({});
    await uploadStream(client, target, pieces(bytes(100), 7), { partSize: 128, queueSize: 2 });
    const put = s3.commandCalls(PutObjectCommand);
    expect(put).toHaveLength(1);
    expect(Buffer.from(put[0]!.args[0].input.Body as Buffer)).toEqual(bytes(100));
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('splits a larger body into full parts in order and completes with every part, whatever the finishing order', async () => {
    const parts = recordParts(3);
    const data = bytes(1000);
    await uploadStream(client, target, pieces(data, 37), { partSize: 64, queueSize: 2 });
    expect(parts.size).toBe(16);
    expect(Buffer.concat([...parts.keys()].sort((a, b) => a - b).map((n) => parts.get(n)!))).toEqual(data);
    for (let n = 1; n < 16; n += 1) expect(parts.get(n)!.length).toBe(64);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete.MultipartUpload?.Parts?.map((p) => [p.PartNumber, p.ETag])).toEqual(Array.from({ length: 16 }, (_, i) => [i + 1, `"e${i + 1}"`]));
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('keeps at most queueSize parts in flight', async () => {
    let inFlight = 0;
    let most = 0;
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return { ETag: '"e"' };
    });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    await uploadStream(client, target, pieces(bytes(2000), 100), { partSize: 64, queueSize: 2 });
    expect(most).toBe(2);
  });

  it('aborts and never completes when a part fails, and reports the part error', async () => {
    recordParts();
    s3.on(UploadPartCommand, { PartNumber: 3 }).rejects(new Error('part 3 refused'));
    await expect(uploadStream(client, target, pieces(bytes(1000), 50), { partSize: 64, queueSize: 2 })).rejects.toThrow('part 3 refused');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId)).toEqual(['u1']);
  });

  it('aborts when the body fails mid-stream (the source object dropped)', async () => {
    recordParts();
    async function* dropping(): AsyncGenerator<Buffer> {
      yield bytes(200);
      await Promise.resolve();
      throw new Error('GetObject stream dropped');
    }
    await expect(uploadStream(client, target, dropping(), { partSize: 64, queueSize: 2 })).rejects.toThrow('GetObject stream dropped');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it('aborts when completing fails', async () => {
    recordParts();
    s3.on(CompleteMultipartUploadCommand).rejects(new Error('InternalError'));
    await expect(uploadStream(client, target, pieces(bytes(300), 64), { partSize: 64, queueSize: 2 })).rejects.toThrow('InternalError');
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});
