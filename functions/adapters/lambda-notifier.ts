// Sends failure batches to the notify function as asynchronous Lambda invocations.

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SendFailures } from '../../lib/ingest';

export function createLambdaClient(endpoint: string | undefined): LambdaClient {
  return new LambdaClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    // A custom endpoint is serverless-offline, which checks no signature: any key signs.
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } } : {}),
  });
}

export function lambdaNotifier(client: LambdaClient, functionName: string): SendFailures {
  return async (payload) => {
    const res = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        // Event = async: Lambda queues it and retries notify on its own; ingest does not wait.
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    if (res.StatusCode !== 202) {
      throw new Error(`async invoke of ${functionName} answered ${res.StatusCode ?? 'no status'}, expected 202`);
    }
  };
}
