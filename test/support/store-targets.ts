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
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { LOCAL_CREDENTIALS, ROOT, startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { s3ClientFor } from '../../scripts/local-s3';

export type StoreName = 's3rver' | 'ceph' | 'swift';

export interface StoreTarget {
  name: StoreName;
  stack: LocalStack;
  s3: S3Client;
  bucket: string;
  /** Called after each upload: a no-op where the store notifies by itself. */
  afterUpload(key: string, size: number): Promise<void>;
  stop(): Promise<void>;
}

// Ports away from the defaults, so a developer's running `npm start` does not collide.
const PORTS = { s3Port: 14569, lambdaPort: 13002, httpPort: 13000 };
/** STACK_ECHO=1 shows the functions' logs while the suite runs (for debugging a store). */
const ECHO = process.env.STACK_ECHO === '1';
const RELAY_PORT = 19180;
const BUCKET = 'logs-repo';
const REGION = 'us-east-1';

const STORES = {
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

export async function startTarget(name: StoreName = storeName()): Promise<StoreTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), `audit-it-${name}-`));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });

  if (name === 's3rver') {
    const stack = await startLocalStack({ ...PORTS, dataDir, echo: ECHO });
    return {
      name,
      stack,
      s3: s3ClientFor(stack.s3Endpoint, LOCAL_CREDENTIALS),
      bucket: stack.bucket,
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
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((err: { name?: string }) => {
    if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
  });
  const stack = await startLocalStack({
    ...PORTS,
    dataDir,
    echo: ECHO,
    env: {
      STORE_S3_ENDPOINT: store.endpoint,
      STORE_ACCESS_KEY_ID: store.accessKeyId,
      STORE_SECRET_ACCESS_KEY: store.secretAccessKey,
      LOGS_BUCKET: BUCKET,
      // Ceph says ceph:s3 and sends raw keys; the synthetic Swift events are AWS-shaped.
      EVENT_KEY_ENCODING: 'auto',
    },
  });

  if (name === 'swift') {
    const lambda = new LambdaClient({ region: REGION, endpoint: stack.lambdaEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    return {
      name,
      stack,
      s3,
      bucket: BUCKET,
      afterUpload: async (key, size) => {
        const event = {
          Records: [
            {
              eventVersion: '2.1',
              eventSource: 'aws:s3',
              awsRegion: REGION,
              eventTime: new Date().toISOString(),
              eventName: 'ObjectCreated:Put',
              s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET }, object: { key: awsEventKey(key), size } },
            },
          ],
        };
        // RequestResponse, so that a failed ingest fails the test with its error.
        const res = await lambda.send(
          new InvokeCommand({ FunctionName: 'audit-log-ingest-local-ingest', Payload: Buffer.from(JSON.stringify(event)) }),
        );
        if (res.FunctionError) throw new Error(`ingest failed: ${Buffer.from(res.Payload ?? []).toString()}`);
      },
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
      Bucket: BUCKET,
      NotificationConfiguration: { TopicConfigurations: [{ Id: 'ingest', TopicArn, Events: ['s3:ObjectCreated:*'] }] },
    }),
  );
  return {
    name,
    stack: { ...stack, output: () => stack.output() + relay.output() },
    s3,
    bucket: BUCKET,
    afterUpload: () => Promise.resolve(),
    stop: async () => {
      relay.child.kill('SIGTERM');
      await stack.stop();
      cleanup();
    },
  };
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
