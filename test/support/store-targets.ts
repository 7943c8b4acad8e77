// The object stores the integration suite runs against, chosen by STORE (default s3rver).
// Each target starts the same local stack (serverless-offline) pointed at its store and
// says how an upload reaches ingest there:
//   s3rver  the embedded S3's own ObjectCreated events (serverless-s3-local)
//   ceph    a real bucket notification: radosgw -> HTTP push -> our relay -> ingest
//   swift   none exist, so the test invokes ingest with an AWS-shaped event (URL-encoded key)
// Ceph and Swift are started beforehand by scripts/stores/*.sh (npm run test:stores).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, HeadObjectCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { LOCAL_CREDENTIALS, ROOT, startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { s3ClientFor } from '../../scripts/local-s3';

export type StoreName = 's3rver' | 'ceph' | 'swift';

export interface StoreTarget {
  name: StoreName;
  stack: LocalStack;
  s3: S3Client;
  bucket: string;
  /** The store's S3 endpoint and keys, for clients outside the stack (the CLI). */
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Called after each upload: a no-op where the store notifies by itself. */
  afterUpload(key: string, size: number): Promise<void>;
  /** Delivers the object-created event for `key` once more, as the store would, and waits for ingest. */
  deliverAgain(key: string): Promise<void>;
  /** True where claims are If-None-Match writes (Ceph); else the check-then-put fallback. */
  conditionalClaims: boolean;
  stop(): Promise<void>;
}

// Ports away from the defaults, so a developer's running `npm start` does not collide.
const PORTS = { s3Port: 14569, lambdaPort: 13002, httpPort: 13000 };
/** STACK_ECHO=1 shows the functions' logs while the suite runs (for debugging a store). */
const ECHO = process.env.STACK_ECHO === '1';
const RELAY_PORT = 19180;
/**
 * Ceph and Swift are shared by every suite of a `test:stores` run, so each target gets a bucket
 * of its own, as each s3rver suite gets a store of its own: claims are per container, and one
 * suite's events (the samples) must not be another's repeats.
 */
const storeBucket = () => `logs-repo-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const REGION = 'us-east-1';

export const STORES = {
  ceph: { endpoint: `http://127.0.0.1:${process.env.RGW_PORT ?? '7480'}`, accessKeyId: 'TESTACCESSKEY', secretAccessKey: 'TESTSECRETKEY' },
  swift: { endpoint: `http://127.0.0.1:${process.env.S3_PORT ?? '8080'}`, accessKeyId: 'test:tester', secretAccessKey: 'testing' },
} as const;

export function storeName(): StoreName {
  const name = process.env.STORE ?? 's3rver';
  if (name !== 's3rver' && name !== 'ceph' && name !== 'swift') throw new Error(`STORE must be s3rver, ceph or swift, not "${name}"`);
  return name;
}

/** AWS's event key encoding: URL form encoding, a space as "+". */
export function awsEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export interface TargetOptions {
  /** Where notify posts alerts (ALERT_WEBHOOK_URL of the local stage). */
  webhookUrl?: string;
}

/** Invokes ingest synchronously with one event record, failing on a function error. */
async function invokeIngest(lambda: LambdaClient, record: Record<string, unknown>): Promise<void> {
  const res = await lambda.send(
    new InvokeCommand({ FunctionName: 'audit-log-ingest-local-ingest', Payload: Buffer.from(JSON.stringify({ Records: [record] })) }),
  );
  if (res.FunctionError) throw new Error(`ingest failed: ${Buffer.from(res.Payload ?? []).toString()}`);
}

function eventRecord(bucket: string, eventSource: string, key: string, size: number, etag?: string): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource,
    awsRegion: REGION,
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    s3: { s3SchemaVersion: '1.0', bucket: { name: bucket }, object: { key, size, ...(etag ? { eTag: etag } : {}) } },
  };
}

export async function startTarget(name: StoreName = storeName(), options: TargetOptions = {}): Promise<StoreTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), `audit-it-${name}-`));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  const alertEnv: Record<string, string> = options.webhookUrl ? { ALERT_WEBHOOK_URL: options.webhookUrl } : {};
  // The same event again, as the store delivers it: same key form, same ETag.
  const redeliver = async (lambda: LambdaClient, s3: S3Client, bucket: string, eventSource: string, eventKey: (k: string) => string, key: string) => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await invokeIngest(lambda, eventRecord(bucket, eventSource, eventKey(key), head.ContentLength ?? 0, head.ETag?.replace(/"/g, '')));
  };

  if (name === 's3rver') {
    const stack = await startLocalStack({ ...PORTS, dataDir, echo: ECHO, env: alertEnv });
    const s3 = s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS);
    const lambda = offlineLambda(stack);
    return {
      name,
      stack,
      s3,
      bucket: stack.bucket,
      endpoint: stack.s3Endpoint,
      credentials: LOCAL_CREDENTIALS,
      conditionalClaims: false,
      deliverAgain: (key) => redeliver(lambda, s3, stack.bucket, 'aws:s3', (k) => k, key),
      afterUpload: () => Promise.resolve(),
      stop: async () => {
        await stack.stop();
        cleanup();
      },
    };
  }

  const store = STORES[name];
  const credentials = { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey };
  const s3 = s3ClientFor(store.endpoint, credentials);
  const bucket = storeBucket();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const stack = await startLocalStack({
    ...PORTS,
    dataDir,
    echo: ECHO,
    env: {
      ...alertEnv,
      // Ceph has If-None-Match: the real conditional claim path. Swift answers 501 to it.
      CLAIM_MODE: name === 'ceph' ? 'conditional' : 'check-then-put',
      STORE_S3_ENDPOINT: store.endpoint,
      STORE_ACCESS_KEY_ID: store.accessKeyId,
      STORE_SECRET_ACCESS_KEY: store.secretAccessKey,
      LOGS_BUCKET: bucket,
      // Ceph says ceph:s3 and sends raw keys; the synthetic Swift events are AWS-shaped.
      EVENT_KEY_ENCODING: 'auto',
    },
  });

  const lambda = offlineLambda(stack);
  if (name === 'swift') {
    return {
      name,
      stack,
      s3,
      bucket,
      endpoint: store.endpoint,
      credentials,
      conditionalClaims: false,
      // Synchronous, so that a failed ingest fails the test with its error.
      afterUpload: (key, size) => invokeIngest(lambda, eventRecord(bucket, 'aws:s3', awsEventKey(key), size)),
      deliverAgain: (key) => redeliver(lambda, s3, bucket, 'aws:s3', awsEventKey, key),
      stop: async () => {
        await stack.stop();
        cleanup();
      },
    };
  }

  // Ceph: relay process + SNS-style topic + bucket notification, all real.
  const relay = await startRelay(stack.lambdaEndpoint);
  const sns = new SNSClient({ endpoint: store.endpoint, region: REGION, credentials });
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({ Name: 'audit-ingest', Attributes: { 'push-endpoint': `http://127.0.0.1:${RELAY_PORT}/`, persistent: 'false' } }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { TopicConfigurations: [{ Id: 'ingest', TopicArn, Events: ['s3:ObjectCreated:*'] }] },
    }),
  );
  return {
    name,
    stack: { ...stack, output: () => stack.output() + relay.output() },
    s3,
    bucket,
    endpoint: store.endpoint,
    credentials,
    conditionalClaims: true,
    afterUpload: () => Promise.resolve(),
    deliverAgain: (key) => redeliver(lambda, s3, bucket, 'ceph:s3', (k) => k, key),
    stop: async () => {
      relay.child.kill('SIGTERM');
      await stack.stop();
      cleanup();
    },
  };
}

/** A Lambda client for the stack's serverless-offline endpoint (any keys do). */
export function offlineLambda(stack: LocalStack): LambdaClient {
  return new LambdaClient({ region: REGION, endpoint: stack.lambdaEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}

async function startRelay(lambdaEndpoint: string): Promise<{ child: ChildProcess; output: () => string }> {
  let output = '';
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/stores/rgw-relay.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RELAY_PORT: String(RELAY_PORT), LAMBDA_ENDPOINT: lambdaEndpoint, NODE_NO_WARNINGS: '1' },
  });
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('"listening"')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`relay did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output };
}
