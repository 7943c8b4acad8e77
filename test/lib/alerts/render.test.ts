import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../../lib/alerts/alert';
import { renderJson, renderSlack, renderText } from '../../../lib/alerts/render';
import type { NotifyPayload } from '../../../lib/notify-payload';

const failure = (line: number, id: string, actor = 'op') => ({
  line,
  kind: 'entry' as const,
  timestamp: '2015-06-29T14:38:18.230Z',
  localTime: '2015-06-29T14:38:18.230',
  actor,
  action: 'delete' as const,
  resourceType: 'user' as const,
  resourceIds: [id],
  outcome: 'FAILED' as const,
  id: line.toString(16).padStart(32, '0'),
  operation: `delete user:${id}`,
});

const payload = (n: number): NotifyPayload => ({
  schemaVersion: 1,
  source: { bucket: 'logs-repo', key: 'incoming/a.log', etag: 'e1' },
  records: 'incoming/a.log.jsonl',
  batch: 2,
  failures: Array.from({ length: n }, (_, i) => failure(i + 1, `u${i + 1}`)),
});

describe('buildAlert', () => {
  it('lists the first failures in full and says where the rest are', () => {
    const alert = buildAlert(payload(15), 10);
    expect(alert).toMatchObject({ failedCount: 15, more: 5, batch: 2, recordsUrl: 's3://logs-repo/incoming/a.log.jsonl', id: 'logs-repo/incoming/a.log@e1#2' });
    expect(alert.failures).toHaveLength(10);
    expect(alert.failures[0]).toEqual({
      line: 1,
      timestamp: '2015-06-29T14:38:18.230Z',
      actor: 'op',
      operation: 'delete user:u1',
      resourceType: 'user',
      resourceIds: ['u1'],
      location: 's3://logs-repo/incoming/a.log#L1',
    });
  });
});

describe('renderSlack', () => {
  it('puts log content only in plain_text objects, so <!channel> and *x* stay text', () => {
    const p = payload(0);
    p.failures = [failure(1, '<!channel>', '*boss*'), failure(2, '<https://evil|click>')];
    const msg = JSON.parse(renderSlack(buildAlert(p, 10))) as { text: string; blocks: { type: string; text?: { type: string; text: string }; elements?: { type: string }[] }[] };
    expect(msg.text).not.toMatch(/<|\*|evil/);
    const texts = msg.blocks.flatMap((b) => (b.text ? [b.text] : (b.elements as { type: string; text: string }[])));
    for (const t of texts) expect(t.type).toBe('plain_text');
    expect(JSON.stringify(msg.blocks)).toContain('<!channel>'); // shown as typed, not interpreted
  });
});

describe('renderJson and renderText', () => {
  it('carries the whole alert in JSON', () => {
    expect(JSON.parse(renderJson(buildAlert(payload(2), 10)))).toMatchObject({ type: 'audit.failed-operations', failedCount: 2 });
  });
  it('gives SNS a short subject and a readable message', () => {
    const { subject, message } = renderText(buildAlert(payload(12), 10));
    expect(subject).toBe('12 FAILED audit operation(s)');
    expect(message).toContain('… and 2 more');
    expect(message).toContain('s3://logs-repo/incoming/a.log.jsonl');
  });
});
