// Asynchronous Lambda invocations: failure batches to notify, and the rest of a chunk to ingest itself.

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Continuation } from '../../lib/continuation';
import type { SendFailures } from '../../lib/ingest';

export function createLambdaClient(endpoint: string | undefined): LambdaClient {
  return new LambdaClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    // A custom endpoint is serverless-offline, which checks no signature: any key signs.
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } } : {}),
  });
}

/** Event = async: Lambda queues the payload and retries on its own; the caller does not wait. */
async function invokeAsync(client: LambdaClient, functionName: string, payload: unknown): Promise<void> {
  const res = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  if (res.StatusCode !== 202) {
    throw new Error(`async invoke of ${functionName} answered ${res.StatusCode ?? 'no status'}, expected 202`);
  }
}

export function lambdaNotifier(client: LambdaClient, functionName: string): SendFailures {
  return (payload) => invokeAsync(client, functionName, payload);
}

/** Continues a chunk in a new invocation of `functionName` (ingest itself). */
export function continuationInvoker(client: LambdaClient, functionName: string): (c: Continuation) => Promise<void> {
  return (continuation) => invokeAsync(client, functionName, { continuation });
}

/**
 * Hands a chunk to the ingest function as the S3 notification for it would (backfill
 * --via-lambda): the same code path, outputs and alerts as a live upload. The key is
 * URL-encoded as AWS encodes event keys (a space as "+"), which ingest's `auto` decodes.
 */
export function ingestInvoker(client: LambdaClient, functionName: string, region: string): (bucket: string, obj: { key: string; etag: string; size: number }) => Promise<void> {
  return (bucket, obj) =>
    invokeAsync(client, functionName, {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: region,
          eventTime: new Date().toISOString(),
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: { key: encodeURIComponent(obj.key).replace(/%20/g, '+').replace(/%2F/g, '/'), size: obj.size, eTag: obj.etag },
          },
        },
      ],
    });
}
