import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readS3Event } from '../../lib/events';

const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/events/${name}`, 'utf8'));

describe('readS3Event', () => {
  it('decodes an AWS event key and strips the quotes of an eTag', () => {
    expect(readS3Event(fixture('aws-put.json'), 'auto')).toEqual([
      {
        kind: 'created',
        object: {
          bucket: 'logs-repo',
          key: 'incoming/fscsm_audit logü.log',
          etag: '135ff64e5ac958e0809a8759b44478c6',
          size: 1514,
          eventName: 'ObjectCreated:Put',
          eventSource: 'aws:s3',
        },
      },
    ]);
  });

  it('keeps a Ceph event key raw under auto', () => {
    const [item] = readS3Event(fixture('ceph-put.json'), 'auto');
    expect(item).toMatchObject({ kind: 'created', object: { key: 'incoming/a b+c ü.log', etag: '2f1c2a8b' } });
  });

  it('ignores s3:TestEvent', () => {
    expect(readS3Event(fixture('test-event.json'), 'auto')).toEqual([{ kind: 'ignored', index: 0, reason: 's3:TestEvent' }]);
  });

  it('ignores non-create events and accepts the s3: prefix and any 2.x version', () => {
    const base = fixture('aws-put.json') as { Records: Record<string, unknown>[] };
    const rec = base.Records[0] as Record<string, unknown>;
    const items = readS3Event(
      {
        Records: [
          { ...rec, eventName: 'ObjectRemoved:Delete' },
          { ...rec, eventName: 's3:ObjectCreated:CompleteMultipartUpload', eventVersion: '2.3' },
          { ...rec, eventName: 'ObjectCreated:Post', futureField: { x: 1 } },
        ],
      },
      'url',
    );
    expect(items.map((i) => i.kind)).toEqual(['ignored', 'created', 'created']);
  });

  it('reports malformed records individually and keeps the good ones', () => {
    const base = fixture('aws-put.json') as { Records: Record<string, unknown>[] };
    const items = readS3Event({ Records: [{ eventVersion: '1.0' }, base.Records[0], { ...base.Records[0], s3: { object: {} } }] }, 'auto');
    expect(items.map((i) => i.kind)).toEqual(['invalid', 'created', 'invalid']);
    expect(items[0]).toMatchObject({ index: 0 });
  });

  it('reports a key with broken URL encoding as invalid rather than guessing', () => {
    const base = fixture('aws-put.json') as { Records: { s3: { object: { key: string } } }[] };
    const rec = structuredClone(base.Records[0]);
    if (!rec) throw new Error('fixture');
    rec.s3.object.key = 'bad%zz';
    expect(readS3Event({ Records: [rec] }, 'url')[0]).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('bad%zz') as string });
  });

  it('calls anything else not an S3 event', () => {
    expect(readS3Event({ hello: 1 }, 'auto')[0]?.kind).toBe('invalid');
    expect(readS3Event(null, 'auto')[0]?.kind).toBe('invalid');
  });
});
