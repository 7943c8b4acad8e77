// Points the existing logs bucket's object-created notification at the deployed ingest
// function (or, with --trigger, at the stack's queue or at EventBridge, as the stage's
// ingestTrigger says): once after the first deploy (again only if the function is
// re-created or the trigger changes), and with --disconnect before `osls remove`.
//
// The stack already allows S3 to invoke ingest for this bucket (IngestS3InvokePermission),
// or to send to its queue (IngestQueuePolicy).
// The bucket side is a property of a bucket the stack does not own, which CloudFormation
// cannot set; the framework's `existing: true` does it with a custom-resource Lambda whose
// role may add permissions to every function in the account (lambda:AddPermission on
// function:*). This script does it once, with the operator's own credentials instead, so
// the deployed stack holds no such role.
//
//   npm run connect-bucket -- --stage prod --bucket my-audit-logs [--trigger sqs] [--region R] [--dry-run]
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

/** serverless.yml's ingestTrigger values. */
export const TRIGGERS = ['s3', 'sqs', 'eventbridge'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const USAGE = `usage: npm run connect-bucket -- --stage STAGE --bucket NAME [--trigger s3|sqs|eventbridge] [--region R] [--function-arn ARN] [--queue-arn ARN] [--disconnect] [--dry-run]

Sets (or with --disconnect removes) the logs bucket's notification for the stack's ingest on
s3:ObjectCreated:*, keeping the bucket's other notifications.
  --trigger        the stage's ingestTrigger (default s3): s3 invokes the function, sqs sends
                   to the stack's queue, eventbridge turns on the bucket's EventBridge
                   notifications (a rule of the stack picks the bucket's events). The stage's
                   entries for the other triggers are removed.
  --function-arn   the stack's IngestFunctionArn output; default: looked up by the function's
                   name, ${SERVICE}-<stage>-ingest
  --queue-arn      the stack's IngestQueueArn output (sqs); default: the queue's fixed name,
                   ${SERVICE}-<stage>-ingest-events, in the function's account and region
  --dry-run        print the configuration that would be written and the equivalent aws CLI
                   command, change nothing
--disconnect leaves the bucket's EventBridge notifications on: other rules may use them.
Needs s3:GetBucketNotification and s3:PutBucketNotification on the bucket (and
lambda:GetFunctionConfiguration on the function without --function-arn).`;

/** The notification's Id: one per stage, so the same bucket can feed several stages. */
export function notificationId(stage: string): string {
  return `${SERVICE}-${stage}-ingest`;
}

/** The queue of the sqs trigger (its QueueName in deploy/ingest-trigger/sqs.yml). */
export function queueName(stage: string): string {
  return `${SERVICE}-${stage}-ingest-events`;
}

/** The stage's queue ARN, in the account and region of its function. */
export function queueArnFor(functionArn: string, stage: string): string {
  const [arn, partition, , region, account] = functionArn.split(':');
  if (arn !== 'arn' || !partition || !region || !account) throw new Error(`not a function ARN: ${functionArn}`);
  return `arn:${partition}:sqs:${region}:${account}:${queueName(stage)}`;
}

/** Where the notification goes, by trigger. */
export type Destination = { trigger: 's3'; functionArn: string } | { trigger: 'sqs'; queueArn: string } | { trigger: 'eventbridge' };

/**
 * `current` without this stage's ingest notification (matched by Id, or for a function by
 * its ARN: an entry the framework's custom resource left behind), and with the one for
 * `destination` unless it is undefined (disconnect). Only PutBucketNotificationConfiguration's
 * writable parts are kept.
 */
export function mergeNotification(
  current: NotificationConfiguration,
  id: string,
  matchArn: string,
  destination: Destination | undefined,
): NotificationConfiguration {
  const out: NotificationConfiguration = {};
  if (current.TopicConfigurations?.length) out.TopicConfigurations = current.TopicConfigurations;
  const queues = (current.QueueConfigurations ?? []).filter((c) => c.Id !== id);
  if (destination?.trigger === 'sqs') queues.push({ Id: id, QueueArn: destination.queueArn, Events: [...INGEST_EVENTS] });
  if (queues.length > 0) out.QueueConfigurations = queues;
  // Bucket-wide and without an Id: turned on for eventbridge, never turned off here.
  if (current.EventBridgeConfiguration || destination?.trigger === 'eventbridge') out.EventBridgeConfiguration = current.EventBridgeConfiguration ?? {};
  const lambdas = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== id && c.LambdaFunctionArn !== matchArn);
  if (destination?.trigger === 's3') lambdas.push({ Id: id, LambdaFunctionArn: destination.functionArn, Events: [...INGEST_EVENTS] });
  if (lambdas.length > 0) out.LambdaFunctionConfigurations = lambdas;
  return out;
}

function describeDestination(d: Destination): string {
  if (d.trigger === 's3') return d.functionArn;
  if (d.trigger === 'sqs') return d.queueArn;
  return 'EventBridge (the stack\'s rule for this bucket invokes ingest)';
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
        'queue-arn': { type: 'string' },
        trigger: { type: 'string', default: 's3' },
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

  const trigger = values.trigger as Trigger;
  if (!TRIGGERS.includes(trigger)) {
    io.err(`connect-bucket: --trigger must be one of ${TRIGGERS.join(', ')}, not "${values.trigger}"\n${USAGE}`);
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
  const destination: Destination =
    trigger === 's3' ? { trigger, functionArn } : trigger === 'sqs' ? { trigger, queueArn: values['queue-arn'] ?? queueArnFor(functionArn, stage) } : { trigger };
  const next = mergeNotification(current, id, functionArn, values.disconnect ? undefined : destination);
  const json = JSON.stringify(next, null, 2);

  if (values['dry-run']) {
    io.out(`would write to s3://${bucket}:\n${json}\n`);
    io.out(
      `equivalent: aws s3api put-bucket-notification-configuration --bucket ${bucket} ` +
        `--notification-configuration '${JSON.stringify(next)}'`,
    );
    return 0;
  }
  // S3 checks the destination: it test-invokes ingest under IngestS3InvokePermission (or
  // sends an s3:TestEvent to the queue under IngestQueuePolicy, which ingest ignores), so
  // this fails (InvalidArgument) if the stack is not deployed or the permission is missing.
  await clients.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: next }));
  if (values.disconnect && next.EventBridgeConfiguration) io.out(`s3://${bucket}: EventBridge notifications left on (other rules may use them)`);
  io.out(
    values.disconnect
      ? `s3://${bucket}: notification ${id} removed`
      : `s3://${bucket}: ${INGEST_EVENTS.join(', ')} -> ${describeDestination(destination)} (notification ${id})`,
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
