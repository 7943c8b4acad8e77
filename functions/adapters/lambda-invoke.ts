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
