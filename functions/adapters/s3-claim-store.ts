// ClaimStore over the S3 API: claims are small JSON objects under CLAIMS_PREFIX.

import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ClaimStore } from '../../lib/alerts/claims';
import type { EventClaimer } from '../../lib/alerts/event-claims';
import type { ClaimConfig } from '../../lib/config';

export class ConditionalWritesUnsupportedError extends Error {
  override readonly name = 'ConditionalWritesUnsupportedError';
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export function s3ClaimStore(client: S3Client, bucket: string): ClaimStore {
  return {
    async putIfAbsent(key, body) {
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', IfNoneMatch: '*' }));
        return 'created';
      } catch (err) {
        const code = status(err);
        // 412: it exists. 409: AWS is settling a concurrent conditional write to the same key.
        if (code === 412 || code === 409) return 'exists';
        if (code === 501) {
          throw new ConditionalWritesUnsupportedError(
            `s3://${bucket} does not support If-None-Match on PUT (HTTP 501): set CLAIM_MODE=check-then-put`,
          );
        }
        throw err;
      }
    },
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await res.Body?.transformToString('utf8');
      } catch (err) {
        if (status(err) === 404) return undefined;
        throw err;
      }
    },
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/** Event claims (lib/alerts/event-claims.ts) in the chunk's own bucket, as configured. */
export function s3EventClaimer(client: S3Client, config: ClaimConfig, owner: string): EventClaimer {
  return {
    claimsFor: (bucket) => s3ClaimStore(client, bucket),
    mode: config.CLAIM_MODE,
    owner,
    leaseMs: config.EVENT_CLAIM_LEASE_SECONDS * 1000,
    concurrency: config.EVENT_CLAIM_CONCURRENCY,
  };
}
