import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
  type NotificationConfiguration,
} from '@aws-sdk/client-s3';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectBucket, mergeNotification, notificationId, queueArnFor } from '../../scripts/connect-bucket';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:audit-log-ingest-prod-ingest';
const OTHER = {
  Id: 'someone-else',
  LambdaFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:thumbnails',
  Events: ['s3:ObjectCreated:*' as const],
  Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'img/' }] } },
};
const QUEUE = { Id: 'q', QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:q', Events: ['s3:ObjectRemoved:*' as const] };
const LAMBDA = { trigger: 's3' as const, functionArn: ARN };
const INGEST_QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:audit-log-ingest-prod-ingest-events';

describe('mergeNotification', () => {
  const id = notificationId('prod');

  it('adds the ingest notification and keeps every other one', () => {
    const current: NotificationConfiguration = { LambdaFunctionConfigurations: [OTHER], QueueConfigurations: [QUEUE], EventBridgeConfiguration: {} };
    expect(mergeNotification(current, id, ARN, LAMBDA)).toEqual({
      QueueConfigurations: [QUEUE],
      EventBridgeConfiguration: {},
      LambdaFunctionConfigurations: [OTHER, { Id: 'audit-log-ingest-prod-ingest', LambdaFunctionArn: ARN, Events: ['s3:ObjectCreated:*'] }],
    });
  });

  it('is idempotent, and replaces an entry the framework custom resource left for the same function', () => {
    const legacy = { Id: 'audit-log-ingest-prod-ingest-0123456789abcdef0123456789abcdef', LambdaFunctionArn: ARN, Events: ['s3:ObjectCreated:*' as const] };
    const once = mergeNotification({ LambdaFunctionConfigurations: [legacy, OTHER] }, id, ARN, LAMBDA);
    expect(mergeNotification(once, id, ARN, LAMBDA)).toEqual(once);
    expect(once.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['someone-else', id]);
  });

  it('switches a stage to the queue: the function entry goes, the queue entry comes, the other queue stays', () => {
    const connected = mergeNotification({ LambdaFunctionConfigurations: [OTHER], QueueConfigurations: [QUEUE] }, id, ARN, LAMBDA);
    expect(mergeNotification(connected, id, ARN, { trigger: 'sqs', queueArn: INGEST_QUEUE })).toEqual({
      LambdaFunctionConfigurations: [OTHER],
      QueueConfigurations: [QUEUE, { Id: id, QueueArn: INGEST_QUEUE, Events: ['s3:ObjectCreated:*'] }],
    });
  });

  it('switches a stage to EventBridge: turns the bucket’s EventBridge notifications on and drops its queue entry', () => {
    const queued = mergeNotification({ QueueConfigurations: [QUEUE] }, id, ARN, { trigger: 'sqs', queueArn: INGEST_QUEUE });
    expect(mergeNotification(queued, id, ARN, { trigger: 'eventbridge' })).toEqual({ QueueConfigurations: [QUEUE], EventBridgeConfiguration: {} });
    // Disconnecting leaves EventBridge on: it is bucket-wide, other rules may use it.
    expect(mergeNotification({ EventBridgeConfiguration: {} }, id, ARN, undefined)).toEqual({ EventBridgeConfiguration: {} });
  });

  it('derives the queue ARN from the function’s account and region', () => {
    expect(queueArnFor(ARN, 'prod')).toBe(INGEST_QUEUE);
    expect(() => queueArnFor('nope', 'prod')).toThrow(/not a function ARN/);
  });

  it('disconnects: removes only this stage’s entry; an empty configuration stays empty', () => {
    const connected = mergeNotification({ LambdaFunctionConfigurations: [OTHER] }, id, ARN, LAMBDA);
    expect(mergeNotification(connected, id, ARN, undefined)).toEqual({ LambdaFunctionConfigurations: [OTHER] });
    expect(mergeNotification({}, id, ARN, undefined)).toEqual({});
  });
});

describe('connectBucket', () => {
  const s3 = mockClient(S3Client);
  const lambda = mockClient(LambdaClient);
  let out: string[];
  let regions: string[];
  const run = (...argv: string[]) =>
    connectBucket(
      argv,
      (region) => {
        regions.push(region);
        return { s3: new S3Client({ region }), lambda: new LambdaClient({ region }) };
      },
      { out: (l) => out.push(l), err: (l) => out.push(l), defaultRegion: 'us-east-1' },
    );

  beforeEach(() => {
    s3.reset();
    lambda.reset();
    out = [];
    regions = [];
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'audit-log-ingest-prod-ingest' }).resolves({ FunctionArn: ARN });
    s3.on(GetBucketNotificationConfigurationCommand).resolves({ LambdaFunctionConfigurations: [OTHER], $metadata: {} });
    s3.on(PutBucketNotificationConfigurationCommand).resolves({});
  });

  it('looks up the stage’s function and writes the merged configuration (response metadata not echoed)', async () => {
    expect(await run('--stage', 'prod', '--bucket', 'logs', '--region', 'eu-west-1')).toBe(0);
    expect(regions).toEqual(['eu-west-1']);
    const put = s3.commandCalls(PutBucketNotificationConfigurationCommand)[0]?.args[0].input;
    expect(put).toEqual({
      Bucket: 'logs',
      NotificationConfiguration: { LambdaFunctionConfigurations: [OTHER, { Id: 'audit-log-ingest-prod-ingest', LambdaFunctionArn: ARN, Events: ['s3:ObjectCreated:*'] }] },
    });
    expect(out.join('\n')).toContain(`-> ${ARN}`);
  });

  it('--dry-run writes nothing and prints the aws CLI equivalent', async () => {
    expect(await run('--stage', 'prod', '--bucket', 'logs', '--dry-run', '--function-arn', ARN)).toBe(0);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)).toHaveLength(0);
    expect(out.join('\n')).toContain('aws s3api put-bucket-notification-configuration --bucket logs');
  });

  it('--disconnect removes only its own entry', async () => {
    s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [OTHER, { Id: 'audit-log-ingest-prod-ingest', LambdaFunctionArn: ARN, Events: ['s3:ObjectCreated:*'] }],
    });
    expect(await run('--stage', 'prod', '--bucket', 'logs', '--disconnect')).toBe(0);
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)[0]?.args[0].input.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [OTHER],
    });
  });

  it('--trigger sqs points the bucket at the stage’s queue', async () => {
    expect(await run('--stage', 'prod', '--bucket', 'logs', '--trigger', 'sqs')).toBe(0);
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)[0]?.args[0].input.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [OTHER],
      QueueConfigurations: [{ Id: 'audit-log-ingest-prod-ingest', QueueArn: INGEST_QUEUE, Events: ['s3:ObjectCreated:*'] }],
    });
    expect(out.join('\n')).toContain(`-> ${INGEST_QUEUE}`);
  });

  it('--trigger eventbridge turns on the bucket’s EventBridge notifications', async () => {
    expect(await run('--stage', 'prod', '--bucket', 'logs', '--trigger', 'eventbridge')).toBe(0);
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)[0]?.args[0].input.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [OTHER],
      EventBridgeConfiguration: {},
    });
  });

  it('is a usage error with an unknown --trigger', async () => {
    expect(await run('--stage', 'prod', '--bucket', 'logs', '--trigger', 'kafka')).toBe(2);
    expect(out.join('\n')).toContain('--trigger must be one of s3, sqs, eventbridge, not "kafka"');
    expect(s3.calls()).toHaveLength(0);
  });

  it('is a usage error without --stage or --bucket', async () => {
    expect(await run('--bucket', 'logs')).toBe(2);
    expect(out.join('\n')).toContain('--stage and --bucket are required');
    expect(s3.calls()).toHaveLength(0);
  });
});
