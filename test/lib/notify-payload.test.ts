import { describe, expect, it } from 'vitest';
import { FailureBatcher, NotifyPayloadSchema, toFailure, type NotifyPayload } from '../../lib/notify-payload';
import type { EntryRecord } from '../../lib/records';

const entry = (line: number, id = `u-${line}`): EntryRecord => ({
  line,
  kind: 'entry',
  timestamp: '2015-06-29T14:35:30.902Z',
  localTime: '2015-06-29T14:35:30.902',
  actor: 'op',
  action: 'delete',
  resourceType: 'user',
  resourceIds: [id],
  outcome: 'FAILED',
  operation: `delete user:${id}`,
  id: line.toString(16).padStart(32, '0'),
});

const envelope = { schemaVersion: 1 as const, source: { bucket: 'b', key: 'k' }, records: 'k.jsonl' };

describe('toFailure', () => {
  it('keeps a normal entry whole', () => {
    expect(toFailure(entry(3))).toEqual(entry(3));
  });
  it('cuts pathological fields and marks the failure truncated', () => {
    const f = toFailure(entry(1, 'x'.repeat(100_000)));
    expect(f.truncated).toBe(true);
    expect(f.resourceIds[0]?.length).toBeLessThan(1100);
    expect(f.operation.length).toBeLessThan(1100);
  });
});

describe('toFailure on CADF entries', () => {
  it('caps format-specific fields too (reason, requestPath)', () => {
    const cadf = { ...entry(1), format: 'cadf' as const, action: 'create', resourceType: 'service/compute/servers', requestPath: '/x'.repeat(50_000), reason: { code: '403', type: 'y'.repeat(9_000) } };
    const f = toFailure(cadf);
    expect(f.truncated).toBe(true);
    expect(JSON.stringify(f).length).toBeLessThan(5_000);
    expect(NotifyPayloadSchema.parse({ ...envelope, batch: 1, failures: [f] }).failures).toHaveLength(1);
  });
});

describe('FailureBatcher', () => {
  it('sends nothing when there were no failures', async () => {
    const sent: NotifyPayload[] = [];
    const b = new FailureBatcher(envelope, 10_000, (p) => Promise.resolve(void sent.push(p)));
    await b.flush();
    expect(sent).toEqual([]);
  });

  it('flushes full batches under the byte limit and validates against the schema', async () => {
    const sent: NotifyPayload[] = [];
    const b = new FailureBatcher(envelope, 2_000, (p) => Promise.resolve(void sent.push(p)));
    for (let i = 1; i <= 40; i++) await b.add(entry(i));
    await b.flush();
    expect(sent.length).toBeGreaterThan(3);
    for (const p of sent) {
      expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(2_000);
      NotifyPayloadSchema.parse(p);
    }
    expect(sent.flatMap((p) => p.failures.map((f) => f.line))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(b.sent).toBe(40);
  });

  it('keeps a batch pending until a send succeeds (a failed send is not counted)', async () => {
    const b = new FailureBatcher(envelope, 10_000, () => Promise.reject(new Error('down')));
    await b.add(entry(1));
    await expect(b.flush()).rejects.toThrow('down');
    expect(b.sent).toBe(0);
  });
});
