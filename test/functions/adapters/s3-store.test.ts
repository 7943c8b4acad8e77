// The S3 client's idle timeout against a real HTTP server that answers GetObject and then
// stops sending with the connection left open: the read must fail, not wait for ever.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client, s3ObjectStore } from '../../../functions/adapters/s3-store';
import { StoreConfigSchema } from '../../../lib/config';
import { ingestWhole } from '../../../lib/ingest';
import { createLogger } from '../../../lib/log';
import { DEFAULT_PARSE_OPTIONS } from '../../../lib/pipeline';

const LINE = '2015/06/29 14:35:30.902\tu\tcreate user:u1\tSUCCESS\n';
const SENT = Buffer.from(LINE.repeat(1000));

interface Stalling {
  endpoint: string;
  requests: string[];
  close(): Promise<void>;
}

/** Answers every GET with a long body, sends its first bytes and then nothing, never closing. */
async function stallingServer(): Promise<Stalling> {
  const requests: string[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method !== 'GET') {
      res.writeHead(500).end();
      return;
    }
    open.add(res);
    res.writeHead(200, { 'Content-Length': String(SENT.length * 100), ETag: '"e1"', 'Content-Type': 'text/plain' });
    res.write(SENT);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Rejects when `promise` has not settled within `ms`: a hang shows up as a failure, not a stuck test. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms))]);
}

const credentials = { accessKeyId: 'k', secretAccessKey: 's' };
let server: Stalling | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('S3 idle timeout', () => {
  it('fails a GetObject body that stops arriving with the connection open, naming the inactivity', async () => {
    server = await stallingServer();
    const store = s3ObjectStore(createS3Client({ endpoint: server.endpoint, forcePathStyle: true, credentials, idleTimeoutMs: 500 }));
    const opened = await store.open({ bucket: 'logs', key: 'incoming/a.log' });
    const read = (async () => {
      let bytes = 0;
      for await (const chunk of opened.body) bytes += (chunk as Buffer).length;
      return bytes;
    })();
    await expect(within(5_000, read)).rejects.toThrow(/timed out after 500 ms of inactivity/);
  });

  it('fails the whole ingest of a stalled chunk without writing anything', async () => {
    server = await stallingServer();
    const store = s3ObjectStore(createS3Client({ endpoint: server.endpoint, forcePathStyle: true, credentials, idleTimeoutMs: 500 }));
    const ingest = ingestWhole(
      { bucket: 'logs', key: 'incoming/a.log' },
      { store, sendFailures: () => Promise.resolve(), log: createLogger({}, { level: 'error', write: () => undefined }) },
      { ...DEFAULT_PARSE_OPTIONS, maxPayloadBytes: 240_000 },
    );
    await expect(within(5_000, ingest)).rejects.toThrow(/inactivity/);
    expect(server.requests).toEqual(['GET /logs/incoming/a.log?x-id=GetObject']);
  });

  it('is on by default, at one minute, and configurable', () => {
    expect(StoreConfigSchema.parse({}).S3_IDLE_TIMEOUT_MS).toBe(60_000);
    expect(StoreConfigSchema.parse({ S3_IDLE_TIMEOUT_MS: '5000' }).S3_IDLE_TIMEOUT_MS).toBe(5_000);
    expect(() => StoreConfigSchema.parse({ S3_IDLE_TIMEOUT_MS: '0' })).toThrow();
  });
});
