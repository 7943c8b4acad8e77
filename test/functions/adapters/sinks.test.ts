// The SNS sink and the SSM secret reader against mocked AWS clients.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { snsSink } from '../../../functions/adapters/sns-sink';
import { ssmSecret } from '../../../functions/adapters/ssm-secret';
import { buildAlert } from '../../../lib/alerts/alert';

const snsMock = mockClient(SNSClient);
const ssmMock = mockClient(SSMClient);
beforeEach(() => {
  snsMock.reset();
  ssmMock.reset();
});

const alert = buildAlert(
  {
    schemaVersion: 1,
    source: { bucket: 'b', key: 'k', etag: 'e' },
    records: 'k.jsonl',
    batch: 1,
    failures: [
      {
        line: 7,
        kind: 'entry',
        timestamp: '2015-06-29T14:38:18.230Z',
        localTime: '2015-06-29T14:38:18.230',
        actor: 'op',
        action: 'delete',
        resourceType: 'user',
        resourceIds: ['u1'],
        outcome: 'FAILED',
        operation: 'delete user:u1',
        id: '7'.padStart(32, '0'),
      },
    ],
  },
  10,
);

describe('snsSink', () => {
  it('publishes text for e-mail/SMS and the JSON alert for machine subscribers', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm1' });
    await snsSink(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:123456789012:alerts').send(alert, 10_000);
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', Subject: '1 FAILED audit operation(s)', MessageStructure: 'json' });
    const bodies = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
    expect(bodies.email).toContain('s3://b/k#L7');
    expect(JSON.parse(bodies.sqs ?? '{}')).toMatchObject({ type: 'audit.failed-operations', failedCount: 1 });
  });
});

describe('ssmSecret', () => {
  it('reads the parameter once with decryption and caches it', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'https://hooks.example/T/B/secret' } });
    const secret = ssmSecret(new SSMClient({ region: 'us-east-1' }), '/audit-log-ingest/dev/webhook-url');
    expect(await secret()).toBe('https://hooks.example/T/B/secret');
    expect(await secret()).toBe('https://hooks.example/T/B/secret');
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: '/audit-log-ingest/dev/webhook-url', WithDecryption: true });
  });

  it('says which parameter, and which setting names it, when it is missing or empty', async () => {
    ssmMock.on(GetParameterCommand).rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} })).resolves({ Parameter: { Value: '' } });
    const secret = ssmSecret(new SSMClient({ region: 'us-east-1' }), '/audit-log-ingest/dev/webhook-url', 'WEBHOOK_URL_PARAMETER');
    await expect(secret()).rejects.toThrow('SSM parameter /audit-log-ingest/dev/webhook-url (WEBHOOK_URL_PARAMETER) does not exist (create it as a SecureString)');
    await expect(secret()).rejects.toThrow('SSM parameter /audit-log-ingest/dev/webhook-url (WEBHOOK_URL_PARAMETER) is empty');
  });

  it('does not cache a failed read', async () => {
    ssmMock.on(GetParameterCommand).rejectsOnce(new Error('throttled')).resolves({ Parameter: { Value: 'v' } });
    const secret = ssmSecret(new SSMClient({ region: 'us-east-1' }), '/p');
    await expect(secret()).rejects.toThrow('throttled');
    expect(await secret()).toBe('v');
  });
});
