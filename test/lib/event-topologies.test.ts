import { readFileSync } from 'node:fs';
import { S3EventNotificationEventBridgeSchema, S3SqsEventNotificationSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { describe, expect, it } from 'vitest';
import { readS3Event } from '../../lib/events';
import { isEventBridgeEvent, isSqsEvent, readEventBridgeEvent, readObjectEvent, readSqsEvent, SqsEventError } from '../../lib/event-topologies';
import { isBatchOperationsEvent } from '../../lib/batch-operations';

const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(`test/fixtures/events/${name}`, 'utf8')) as T;

interface SqsFixture {
  Records: ({ messageId: string; body: string } & Record<string, unknown>)[];
}
interface EventBridgeFixture {
  detail: { object: Record<string, unknown> } & Record<string, unknown>;
  'detail-type': string;
  source: string;
}

const withBody = (body: string, messageId = 'm-1') => {
  const [message] = fixture<SqsFixture>('sqs-s3-put.json').Records;
  return { Records: [{ ...message, messageId, body }] };
};

const eventBridge = (change: (e: EventBridgeFixture) => void = () => undefined): EventBridgeFixture => {
  const e = fixture<EventBridgeFixture>('eventbridge-object-created.json');
  change(e);
  return e;
};

describe('the fixtures follow the AWS shapes (checked with Powertools’ schemas, which the functions do not load)', () => {
  it('S3 -> SQS: an S3 notification in an SQS message, and the s3:TestEvent in one', () => {
    expect(S3SqsEventNotificationSchema.safeParse(fixture('sqs-s3-put.json')).success).toBe(true);
    expect(SqsSchema.safeParse(fixture('sqs-s3-test-event.json')).success).toBe(true);
  });

  it('S3 -> EventBridge: an Object Created event', () => {
    expect(S3EventNotificationEventBridgeSchema.safeParse(fixture('eventbridge-object-created.json')).success).toBe(true);
  });

  it('Powertools rejects an IPv6 requester, which S3 sends for dual-stack requests; our reader does not care', () => {
    const ipv6 = eventBridge((e) => (e.detail['source-ip-address'] = '2001:db8::10'));
    expect(S3EventNotificationEventBridgeSchema.safeParse(ipv6).success).toBe(false);
    expect(readEventBridgeEvent(ipv6, 'auto')[0]?.kind).toBe('created');
  });

  it('our readers accept what Powertools accepts without the optional fields (no size, no etag)', () => {
    const bare = eventBridge((e) => {
      delete e.detail.object.size;
      delete e.detail.object.etag;
    });
    expect(S3EventNotificationEventBridgeSchema.safeParse(bare).success).toBe(true);
    expect(readEventBridgeEvent(bare, 'auto')).toEqual([
      { kind: 'created', object: { bucket: 'logs-repo', key: 'incoming/fscsm_audit logü.log', eventName: 'ObjectCreated:PutObject', eventSource: 'aws.s3' } },
    ]);
  });
});

describe('recognising the shapes', () => {
  it('tells an SQS batch, an EventBridge event, a direct S3 notification and a Batch Operations event apart', () => {
    const shapes = {
      sqs: fixture('sqs-s3-put.json'),
      eventBridge: fixture('eventbridge-object-created.json'),
      s3: fixture('aws-put.json'),
      batch: fixture('batch-operations-2.0.json'),
    };
    expect(Object.entries(shapes).map(([name, e]) => [name, isSqsEvent(e), isEventBridgeEvent(e), isBatchOperationsEvent(e)])).toEqual([
      ['sqs', true, false, false],
      ['eventBridge', false, true, false],
      ['s3', false, false, false],
      ['batch', false, false, true],
    ]);
    expect(isSqsEvent(null)).toBe(false);
    expect(isEventBridgeEvent('x')).toBe(false);
  });
});

describe('each topology reads into the same ObjectCreated items', () => {
  const object = { bucket: 'logs-repo', key: 'incoming/fscsm_audit logü.log', etag: '135ff64e5ac958e0809a8759b44478c6', size: 1514 };

  it('direct S3, S3 -> SQS and S3 -> EventBridge name the same object', () => {
    const direct = readS3Event(fixture('aws-put.json'), 'auto');
    const [sqs] = readSqsEvent(fixture('sqs-s3-put.json'), 'auto');
    const viaEventBridge = readObjectEvent(fixture('eventbridge-object-created.json'), 'auto');
    for (const items of [direct, sqs?.items, viaEventBridge]) expect(items).toEqual([{ kind: 'created', object: expect.objectContaining(object) as unknown }]);
    expect(sqs?.messageId).toBe('059f36b4-87a3-44ab-83d2-661975830a7d');
    // The SQS body is the direct notification: same event name and source.
    expect(sqs?.items).toEqual(direct);
  });

  it('keeps the messages of a batch apart, in order', () => {
    const put = fixture<SqsFixture>('sqs-s3-put.json').Records[0];
    const test = fixture<SqsFixture>('sqs-s3-test-event.json').Records[0];
    const messages = readSqsEvent({ Records: [put, test] }, 'auto');
    expect(messages.map((m) => [m.messageId, m.items.map((i) => i.kind)])).toEqual([
      ['059f36b4-87a3-44ab-83d2-661975830a7d', ['created']],
      ['2e1424d4-f796-459a-8184-9c92662be6da', ['ignored']],
    ]);
  });
});

describe('S3 -> SQS', () => {
  it('ignores the s3:TestEvent S3 sends when the queue is configured', () => {
    expect(readSqsEvent(fixture('sqs-s3-test-event.json'), 'auto')[0]?.items).toEqual([{ kind: 'ignored', index: 0, reason: 's3:TestEvent' }]);
  });

  it('URL-decodes the key of the notification in the body, as for a direct one', () => {
    const body = JSON.stringify({ Records: [{ ...(fixture<{ Records: Record<string, unknown>[] }>('aws-put.json').Records[0] ?? {}), s3: { bucket: { name: 'b' }, object: { key: 'a+b%2Bc.log' } } }] });
    expect(readSqsEvent(withBody(body), 'auto')[0]?.items[0]).toMatchObject({ kind: 'created', object: { bucket: 'b', key: 'a b+c.log' } });
  });

  it('reads an EventBridge event in the body (S3 -> EventBridge -> SQS), its key as stored', () => {
    const [message] = readSqsEvent(withBody(JSON.stringify(eventBridge((e) => (e.detail.object.key = 'a b+c.log')))), 'auto');
    expect(message?.items).toEqual([{ kind: 'created', object: expect.objectContaining({ bucket: 'logs-repo', key: 'a b+c.log' }) as unknown }]);
  });

  it('calls a body that is not JSON invalid, quoting the start of the body', () => {
    const [message] = readSqsEvent(withBody('hello, queue'), 'auto');
    expect(message?.items).toEqual([{ kind: 'invalid', index: 0, reason: expect.stringMatching(/^message body is not JSON \(.+\): "hello, queue"$/) as unknown }]);
  });

  it('calls JSON that is not an S3 notification invalid, saying why', () => {
    expect(readSqsEvent(withBody('{"hello":1}'), 'auto')[0]?.items).toEqual([
      { kind: 'invalid', index: 0, reason: expect.stringMatching(/^not an S3 event: .*Records/s) as unknown },
    ]);
  });

  it('recognises an SNS envelope (S3 -> SNS -> SQS without raw delivery) and says what to change', () => {
    const sns = JSON.stringify({ Type: 'Notification', MessageId: 'x', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: '{"Records":[]}' });
    expect(readSqsEvent(withBody(sns), 'auto')[0]?.items[0]).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('raw message delivery') as string });
  });

  it('throws for a batch it cannot answer per message (no message id)', () => {
    expect(() => readSqsEvent({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, 'auto')).toThrow(SqsEventError);
    expect(() => readSqsEvent({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, 'auto')).toThrow(/not a valid SQS event: .*messageId/s);
  });
});

describe('S3 -> EventBridge', () => {
  it('takes the key as stored: neither "+" nor "%2B" is decoded', () => {
    const e = eventBridge((x) => (x.detail.object.key = 'incoming/a b+c%2Bd.log'));
    expect(readEventBridgeEvent(e, 'auto')[0]).toMatchObject({ kind: 'created', object: { key: 'incoming/a b+c%2Bd.log' } });
  });

  it('decodes the key only when EVENT_KEY_ENCODING says url explicitly', () => {
    const e = eventBridge((x) => (x.detail.object.key = 'incoming/a+b%2Bc.log'));
    expect(readEventBridgeEvent(e, 'url')[0]).toMatchObject({ object: { key: 'incoming/a b+c.log' } });
  });

  it('ignores the other detail-types', () => {
    const deleted = eventBridge((e) => (e['detail-type'] = 'Object Deleted'));
    expect(readEventBridgeEvent(deleted, 'auto')).toEqual([{ kind: 'ignored', index: 0, reason: 'EventBridge Object Deleted' }]);
  });

  it('calls an event of another source, or a detail without a key, invalid', () => {
    expect(readEventBridgeEvent(eventBridge((e) => (e.source = 'aws.ec2')), 'auto')[0]).toMatchObject({ kind: 'invalid', reason: 'EventBridge event from aws.ec2, not aws.s3' });
    const noKey = eventBridge((e) => delete e.detail.object.key);
    expect(readEventBridgeEvent(noKey, 'auto')[0]).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^EventBridge Object Created detail: .*key/s) as string });
    expect(readEventBridgeEvent({ source: 1, 'detail-type': 'x', detail: {} }, 'auto')[0]).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^not an EventBridge event/) as string });
  });
});
