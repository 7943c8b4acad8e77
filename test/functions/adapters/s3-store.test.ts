// The S3 client's idle timeout against a real HTTP server that answers GetObject and then
// stops sending with the connection left open: the read must fail, not wait for ever. And the
// store's keys: the secret key from SSM (mocked) through the client's credential provider.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Client, s3ClientFromConfig, s3ObjectStore } from '../../../functions/adapters/s3-store';
import { loadConfig, StoreConfigSchema } from '../../../lib/config';
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

describe('store keys', () => {
  const ssmMock = mockClient(SSMClient);
  beforeEach(() => ssmMock.reset());
  const NAME = '/audit-log-ingest/dev/store/secret-access-key';
  // Port 1: nothing listens, and nothing is reached when the credentials cannot be had.
  const config = (env: Record<string, string> = {}) =>
    loadConfig(StoreConfigSchema, { S3_ENDPOINT: 'http://127.0.0.1:1', S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', S3_SECRET_ACCESS_KEY_PARAMETER: NAME, ...env });
  const credentialsOf = (client: ReturnType<typeof s3ClientFromConfig>) => (client.config.credentials as () => Promise<{ accessKeyId: string; secretAccessKey: string }>)();

  it('reads the secret key from SSM with decryption, once, when the client first needs it', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'secret-from-ssm' } });
    const client = s3ClientFromConfig(config(), { ssm: new SSMClient({ region: 'us-east-1' }) });
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(0); // building the client reads nothing
    expect(await credentialsOf(client)).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-from-ssm' });
    expect(await credentialsOf(client)).toMatchObject({ secretAccessKey: 'secret-from-ssm' });
    expect(ssmMock.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: NAME, WithDecryption: true }]);
  });

  it('fails a request with an error naming the parameter and the setting when it is missing or empty, and tries again next time', async () => {
    ssmMock.on(GetParameterCommand).rejectsOnce(new ParameterNotFound({ message: '', $metadata: {} })).resolvesOnce({ Parameter: { Value: '' } }).resolves({ Parameter: { Value: 'v' } });
    const client = s3ClientFromConfig(config(), { ssm: new SSMClient({ region: 'us-east-1' }) });
    const head = () => client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
    await expect(head()).rejects.toThrow(`SSM parameter ${NAME} (S3_SECRET_ACCESS_KEY_PARAMETER) does not exist (create it as a SecureString)`);
    await expect(head()).rejects.toThrow(`SSM parameter ${NAME} (S3_SECRET_ACCESS_KEY_PARAMETER) is empty`);
    expect(await credentialsOf(client)).toMatchObject({ secretAccessKey: 'v' });
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(3);
  });

  it('uses a secret key from the environment as it is (local use), and the role without keys', async () => {
    const local = s3ClientFromConfig(loadConfig(StoreConfigSchema, { S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' }));
    expect(await credentialsOf(local)).toMatchObject({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('refuses both secrets at once, a name that is not an SSM name, and half a key pair', () => {
    expect(() => config({ S3_SECRET_ACCESS_KEY: 'x' })).toThrow(/S3_SECRET_ACCESS_KEY: set S3_SECRET_ACCESS_KEY or S3_SECRET_ACCESS_KEY_PARAMETER, not both/);
    expect(() => config({ S3_SECRET_ACCESS_KEY_PARAMETER: 'store/secret' })).toThrow(/S3_SECRET_ACCESS_KEY_PARAMETER: must be an SSM parameter name starting with \//);
    expect(() => loadConfig(StoreConfigSchema, { S3_ACCESS_KEY_ID: 'AKID' })).toThrow(/S3_ACCESS_KEY_ID: is set without a secret key/);
    expect(() => loadConfig(StoreConfigSchema, { S3_SECRET_ACCESS_KEY_PARAMETER: NAME })).toThrow(/S3_ACCESS_KEY_ID: must be set with a secret key/);
  });
});
