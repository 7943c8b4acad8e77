// A store with nothing in front of it (no serverless-offline, no notifications), for the
// CLI's own suites (backfill alerts, watch), chosen by STORE like store-targets.ts:
//   s3rver  a fresh s3rver process (bench/s3-server.ts) on its own port and data folder
//   ceph    the radosgw, swift the Swift proxy started by scripts/stores/*.sh (no bucket
//           notification is configured on this bucket: the CLI alone ingests it)

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ROOT } from '../../scripts/local-stack';
import { s3ClientFor } from '../../scripts/local-s3';
import { STORES, storeName, type StoreName } from './store-targets';

export interface BareStore {
  name: StoreName;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  s3: S3Client;
  bucket: string;
  /** Keys under `prefix`, across listing pages. */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startBareStore(bucket: string, port: number, name: StoreName = storeName()): Promise<BareStore> {
  let stop = (): Promise<void> => Promise.resolve();
  let endpoint: string;
  let credentials: { accessKeyId: string; secretAccessKey: string };
  if (name === 's3rver') {
    const dir = mkdtempSync(join(tmpdir(), 'audit-bare-s3rver-'));
    // s3rver needs the legacy OpenSSL provider (see bench/s3-server.ts); tsx loads the TypeScript.
    const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', join(ROOT, 'bench/s3-server.ts'), String(port), dir, bucket], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`s3rver not ready after 30 s:\n${output}`)), 30_000);
      const onData = (b: Buffer) => {
        output += b.toString();
        if (output.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}:\n${output}`)));
    });
    endpoint = `http://127.0.0.1:${port}`;
    credentials = S3RVER_CREDENTIALS;
    stop = async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    endpoint = STORES[name].endpoint;
    credentials = { accessKeyId: STORES[name].accessKeyId, secretAccessKey: STORES[name].secretAccessKey };
  }
  const s3 = s3ClientFor(endpoint, credentials);
  if (name !== 's3rver') {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
      if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
    });
  }
  return {
    name,
    endpoint,
    credentials,
    s3,
    bucket,
    async keys(prefix) {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        out.push(...(res.Contents ?? []).map((o) => o.Key ?? ''));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    stop: async () => {
      s3.destroy();
      await stop();
    },
  };
}
