import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ingestInvoker } from '../../../functions/adapters/lambda-invoke';
import { readS3Event } from '../../../lib/events';

const lambda = mockClient(LambdaClient);
beforeEach(() => lambda.reset());

describe('ingestInvoker (backfill --via-lambda)', () => {
  it('sends ingest, asynchronously, the S3 event for the chunk, which ingest reads back to the same key', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await ingestInvoker(new LambdaClient({ region: 'us-east-1' }), 'audit-log-ingest-prod-ingest', 'us-east-1')('logs-repo', { key: 'in/a b+c ü.log', etag: 'abc', size: 42 });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'audit-log-ingest-prod-ingest', InvocationType: 'Event' });
    const event = JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString()) as unknown;
    expect([...readS3Event(event, 'auto')]).toEqual([
      expect.objectContaining({ kind: 'created', object: expect.objectContaining({ bucket: 'logs-repo', key: 'in/a b+c ü.log', etag: 'abc', size: 42 }) as unknown }),
    ]);
  });

  it('fails when Lambda does not accept the invocation', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    await expect(ingestInvoker(new LambdaClient({ region: 'us-east-1' }), 'f', 'us-east-1')('b', { key: 'k', etag: 'e', size: 1 })).rejects.toThrow(/expected 202/);
  });
});
