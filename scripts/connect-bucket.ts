// Points the existing logs bucket's object-created notification at the deployed ingest
// function: once after the first deploy (again only if the function is re-created), and
// with --disconnect before `osls remove`.
//
// The stack already allows S3 to invoke ingest for this bucket (IngestS3InvokePermission).
// The bucket side is a property of a bucket the stack does not own, which CloudFormation
// cannot set; the framework's `existing: true` does it with a custom-resource Lambda whose
// role may add permissions to every function in the account (lambda:AddPermission on
// function:*). This script does it once, with the operator's own credentials instead, so
// the deployed stack holds no such role.
//
//   npm run connect-bucket -- --stage prod --bucket my-audit-logs [--region R] [--dry-run]
//   npm run connect-bucket -- --stage prod --bucket my-audit-logs --disconnect
//
// The bucket's other notifications (other functions, queues, topics, EventBridge) are kept:
// S3 replaces the whole configuration on every write, so it is read, merged and written back.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
  type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** `service:` in serverless.yml. */
export const SERVICE = 'audit-log-ingest';
/** What the stack's ingest function listens to (no filter: ingest skips its own outputs). */
export const INGEST_EVENTS = ['s3:ObjectCreated:*'] as const;

export const USAGE = `usage: npm run connect-bucket -- --stage STAGE --bucket NAME [--region R] [--function-arn ARN] [--disconnect] [--dry-run]

Sets (or with --disconnect removes) the logs bucket's notification that invokes the stack's
ingest function on s3:ObjectCreated:*, keeping the bucket's other notifications.
  --function-arn   the stack's IngestFunctionArn output; default: looked up by the function's
                   name, ${SERVICE}-<stage>-ingest
  --dry-run        print the configuration that would be written and the equivalent aws CLI
                   command, change nothing
Needs s3:GetBucketNotification and s3:PutBucketNotification on the bucket (and
lambda:GetFunctionConfiguration on the function without --function-arn).`;

/** The notification's Id: one per stage, so the same bucket can feed several stages. */
export function notificationId(stage: string): string {
  return `${SERVICE}-${stage}-ingest`;
}

/** The parts of a configuration that PutBucketNotificationConfiguration accepts. */
function writable(current: NotificationConfiguration): NotificationConfiguration {
  const out: NotificationConfiguration = {};
  if (current.TopicConfigurations?.length) out.TopicConfigurations = current.TopicConfigurations;
  if (current.QueueConfigurations?.length) out.QueueConfigurations = current.QueueConfigurations;
  if (current.EventBridgeConfiguration) out.EventBridgeConfiguration = current.EventBridgeConfiguration;
  return out;
}

/**
 * `current` without this stage's ingest notification (matched by Id, or by the function's
 * ARN: an entry the framework's custom resource left behind), and with it again unless
 * `functionArn` is undefined (disconnect).
 */
export function mergeNotification(
  current: NotificationConfiguration,
  id: string,
  matchArn: string,
  functionArn: string | undefined,
): NotificationConfiguration {
  const out = writable(current);
  const lambdas = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== id && c.LambdaFunctionArn !== matchArn);
  if (functionArn !== undefined) lambdas.push({ Id: id, LambdaFunctionArn: functionArn, Events: [...INGEST_EVENTS] });
  if (lambdas.length > 0) out.LambdaFunctionConfigurations = lambdas;
  return out;
}

export interface ConnectClients {
  s3: Pick<S3Client, 'send'>;
  lambda: Pick<LambdaClient, 'send'>;
}

export interface ConnectIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Without --region: AWS_REGION, else us-east-1 (as serverless.yml). */
  defaultRegion: string;
}

export async function connectBucket(
  argv: string[],
  clientsFor: (region: string) => ConnectClients,
  io: ConnectIo,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stage: { type: 'string' },
        bucket: { type: 'string' },
        region: { type: 'string' },
        'function-arn': { type: 'string' },
        disconnect: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`connect-bucket: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const { stage, bucket } = values;
  if (!stage || !bucket) {
    io.err(`connect-bucket: --stage and --bucket are required\n${USAGE}`);
    return 2;
  }

  const clients = clientsFor(values.region ?? io.defaultRegion);
  const functionName = `${SERVICE}-${stage}-ingest`;
  let functionArn = values['function-arn'];
  if (functionArn === undefined) {
    const fn = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    if (!fn.FunctionArn) throw new Error(`no ARN for function ${functionName}: is the stage deployed?`);
    functionArn = fn.FunctionArn;
  }

  const current = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const id = notificationId(stage);
  const next = mergeNotification(current, id, functionArn, values.disconnect ? undefined : functionArn);
  const json = JSON.stringify(next, null, 2);

  if (values['dry-run']) {
    io.out(`would write to s3://${bucket}:\n${json}\n`);
    io.out(
      `equivalent: aws s3api put-bucket-notification-configuration --bucket ${bucket} ` +
        `--notification-configuration '${JSON.stringify(next)}'`,
    );
    return 0;
  }
  // S3 checks the destination: it test-invokes ingest under IngestS3InvokePermission, so
  // this fails (InvalidArgument) if the stack is not deployed or the permission is missing.
  await clients.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: next }));
  io.out(
    values.disconnect
      ? `s3://${bucket}: notification ${id} removed`
      : `s3://${bucket}: ${INGEST_EVENTS.join(', ')} -> ${functionArn} (notification ${id})`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const clientsFor = (region: string): ConnectClients => ({ s3: new S3Client({ region }), lambda: new LambdaClient({ region }) });
  try {
    process.exitCode = await connectBucket(process.argv.slice(2), clientsFor, {
      out: (l) => console.log(l),
      err: (l) => console.error(l),
      defaultRegion: process.env.AWS_REGION ?? 'us-east-1',
    });
  } catch (err) {
    console.error(`connect-bucket: ${(err as Error).name}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
