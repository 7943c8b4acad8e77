// The local S3 for the ingest measurements: s3rver in its own process on a 21xxx port,
// with a fresh temp data folder that is removed when it stops.

import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export const BENCH_BUCKET = 'bench-logs';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalStore {
  endpoint: string;
  bucket: string;
  dataDir: string;
  client: S3Client;
  put(key: string, file: string): Promise<void>;
  remove(...keys: string[]): Promise<void>;
  /** CPU seconds the store process has used so far (Linux /proc), or undefined elsewhere. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/** User + system CPU of a process from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s). */
function procCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

export async function startStore(serverBundle: string, port: number): Promise<LocalStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', serverBundle, String(port), dataDir, BENCH_BUCKET], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver not ready after 30 s:\n${output}`)), 30_000);
    const onData = (buf: Buffer): void => {
      output += buf.toString('utf8');
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}:\n${output}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    endpoint,
    bucket: BENCH_BUCKET,
    dataDir,
    client,
    async put(key, file) {
      await new Upload({ client, params: { Bucket: BENCH_BUCKET, Key: key, Body: createReadStream(file) }, partSize: 8 * 1024 * 1024 }).done();
    },
    async remove(...keys) {
      // Outputs of the 1 GiB run are several GiB on disk: drop them as soon as measured.
      for (const key of keys) await client.send(new DeleteObjectCommand({ Bucket: BENCH_BUCKET, Key: key }));
    },
    cpuSeconds: () => procCpuSeconds(child.pid),
    async stop() {
      client.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
