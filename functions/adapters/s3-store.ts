// ObjectStore over the S3 API (AWS S3, Ceph radosgw, Swift s3api, s3rver).

import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ObjectRef, ObjectStore, OpenedObject } from '../../lib/ingest';
import { ObjectMissingError } from '../../lib/ingest';
import type { StoreConfig } from '../../lib/config';
import type { ContainerReader } from '../../lib/sweep';
import { uploadStream } from './s3-upload';

export interface S3ClientSettings {
  endpoint?: string;
  forcePathStyle?: boolean;
  region?: string;
  /** Static keys, or a provider of them (the SDK calls it before the first request and keeps what it returns). */
  credentials?: S3ClientConfig['credentials'];
  /** A request whose socket stays idle this long fails with a TimeoutError (also mid-body). */
  idleTimeoutMs?: number;
}

export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle ?? false,
    region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // socketTimeout is the handler's inactivity timeout: it destroys a response still streaming.
    ...(settings.idleTimeoutMs ? { requestHandler: { socketTimeout: settings.idleTimeoutMs } } : {}),
  });
}

/**
 * The client for the configured store (AWS, or an S3-compatible endpoint with static keys).
 * With S3_SECRET_ACCESS_KEY_PARAMETER the secret key is read from SSM by the client's
 * credential provider: once, before its first request (the SDK keeps credentials that carry
 * no expiry), so building the client stays synchronous and the handlers unchanged. SSM is
 * asked in the functions' own AWS region (AWS_REGION), not S3_REGION, which is the store's.
 */
export function s3ClientFromConfig(config: StoreConfig, secrets: { ssm?: SSMClient } = {}): S3Client {
  return createS3Client({
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    ...(config.S3_REGION ? { region: config.S3_REGION } : {}),
    idleTimeoutMs: config.S3_IDLE_TIMEOUT_MS,
    ...storeCredentials(config, secrets),
  });
}

function storeCredentials(config: StoreConfig, secrets: { ssm?: SSMClient }): Pick<S3ClientSettings, 'credentials'> {
  const accessKeyId = config.S3_ACCESS_KEY_ID;
  if (!accessKeyId) return {}; // the role's credentials (AWS S3)
  if (config.S3_SECRET_ACCESS_KEY) return { credentials: { accessKeyId, secretAccessKey: config.S3_SECRET_ACCESS_KEY } };
  const parameter = config.S3_SECRET_ACCESS_KEY_PARAMETER;
  if (parameter) {
    let read: (() => Promise<string>) | undefined;
    return {
      credentials: async () => {
        // Loaded on first use: the SSM client is a fifth of ingest's bundle, and evaluating it
        // cost each cold start ~30 ms where no parameter is set (docs/dependencies.md).
        if (!read) {
          const [{ ssmSecret }, { SSMClient }] = await Promise.all([import('./ssm-secret'), import('@aws-sdk/client-ssm')]);
          read ??= ssmSecret(secrets.ssm ?? new SSMClient({ region: process.env.AWS_REGION ?? 'us-east-1' }), parameter, 'S3_SECRET_ACCESS_KEY_PARAMETER');
        }
        return { accessKeyId, secretAccessKey: await read() };
      },
    };
  }
  return {}; // StoreConfigSchema refuses a key id without a secret
}

/** Multipart part size: memory for the upload is about partSize × (queueSize + 1). */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

export function s3ObjectStore(client: S3Client): ObjectStore {
  return {
    // uploadStream copies each chunk into its part buffers before asking for the next.
    takesLentChunks: true,
    async open(ref: ObjectRef, options?: { ifMatch?: string }): Promise<OpenedObject> {
      try {
        const res = await client.send(
          new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...(options?.ifMatch ? { IfMatch: `"${options.ifMatch}"` } : {}) }),
        );
        if (!res.Body) throw new Error(`GetObject returned no body for s3://${ref.bucket}/${ref.key}`);
        return {
          body: res.Body as Readable,
          ...(res.ETag ? { etag: res.ETag.replace(/"/g, '') } : {}),
          ...(res.ContentLength !== undefined ? { size: res.ContentLength } : {}),
        };
      } catch (err) {
        if (isNotFound(err)) {
          throw new ObjectMissingError(`s3://${ref.bucket}/${ref.key} no longer exists`);
        }
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) {
          // Replaced since this chunk was started: the new version has its own event.
          throw new ObjectMissingError(`s3://${ref.bucket}/${ref.key} was replaced (ETag is no longer ${options?.ifMatch})`);
        }
        throw err;
      }
    },

    async exists(bucket, key): Promise<boolean> {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    async writeStream(bucket, key, body, contentType): Promise<void> {
      // A failed upload is aborted: no partial object is left behind.
      await uploadStream(client, { Bucket: bucket, Key: key, ContentType: contentType }, body, { partSize: PART_SIZE, queueSize: QUEUE_SIZE });
    },

    async writeJson(bucket, key, value): Promise<void> {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(value, null, 2) + '\n',
          ContentType: 'application/json',
        }),
      );
    },
  };
}

/** Listing and summary reads for the sweep. */
export function s3ContainerReader(client: S3Client, pageSize = 1000): ContainerReader {
  return {
    async list(bucket, prefix, token) {
      const res = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, MaxKeys: pageSize, ...(prefix ? { Prefix: prefix } : {}), ...(token ? { ContinuationToken: token } : {}) }),
      );
      return {
        objects: (res.Contents ?? []).map((o) => ({ key: o.Key ?? '', etag: (o.ETag ?? '').replace(/"/g, ''), size: o.Size ?? 0 })),
        ...(res.IsTruncated && res.NextContinuationToken ? { next: res.NextContinuationToken } : {}),
      };
    },
    async summarizedEtag(bucket, summaryKey) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: summaryKey }));
        const summary = JSON.parse((await res.Body?.transformToString('utf8')) ?? '{}') as { source?: { etag?: unknown } };
        return typeof summary.source?.etag === 'string' ? summary.source.etag : undefined;
      } catch (err) {
        if (isNotFound(err) || err instanceof SyntaxError) return undefined; // none, or damaged: redo the chunk
        throw err;
      }
    },
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
