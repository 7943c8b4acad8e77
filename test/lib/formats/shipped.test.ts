// The shipper stage (lib/formats/shipped.ts) against the shipper fixtures, which were built
// from the shippers' and OpenStack's own sources (test/fixtures/README.md); expected.json
// annotates every audit event, other line, damaged line and blank line in them.
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntryRecord, OutputRecord } from '../../../lib/records';
import { expectConsistent, run } from '../../support/pipeline-run';

const DIR = new URL('../../fixtures/shippers/', import.meta.url);
const read = (name: string): Buffer => readFileSync(new URL(name, DIR));

interface ExpectedEvent {
  format: 'fscsm' | 'cadf';
  outcome: string;
  line: number;
  eventId?: string;
  actor?: string | { id: string; name?: string };
  operation?: string;
}
interface Expected {
  lines: number;
  records: number;
  events: ExpectedEvent[];
  otherLines: number;
  damagedLines: { line: number }[];
  blankLines: number;
  nonCadfNotifications?: unknown[];
}
const EXPECTED = JSON.parse(read('expected.json').toString('utf8')) as Record<string, Expected | string>;
const FIXTURES = Object.entries(EXPECTED).filter((e): e is [string, Expected] => typeof e[1] === 'object');

const OUTCOMES: Record<string, string> = { success: 'SUCCESS', failure: 'FAILED', pending: 'PENDING', unknown: 'UNKNOWN' };
const entries = (rs: OutputRecord[]) => rs.filter((r): r is EntryRecord => r.kind === 'entry');
/** The annotation's view of an entry. */
function seen(e: EntryRecord): ExpectedEvent {
  return e.format === 'cadf'
    ? { format: 'cadf', outcome: e.outcome, line: e.line, eventId: e.eventId }
    : { format: 'fscsm', outcome: e.outcome, line: e.line, actor: e.actor, operation: e.operation };
}
function wanted(e: ExpectedEvent): ExpectedEvent {
  return e.format === 'cadf'
    ? { format: 'cadf', outcome: OUTCOMES[e.outcome] ?? e.outcome, line: e.line, eventId: e.eventId }
    : { format: 'fscsm', outcome: e.outcome, line: e.line, actor: e.actor, operation: e.operation };
}

describe('shipper deliveries (test/fixtures/shippers)', () => {
  // Each derived fixture plain and, where the shipper gzips, as its .gz object.
  const cases = FIXTURES.flatMap(([name, exp]) => {
    const files = [name.endsWith('.gz') ? name : name, ...(existsSync(new URL(`${name}.gz`, DIR)) ? [`${name}.gz`] : [])];
    return files.map((file) => [file, exp] as const);
  });

  it.each(cases)('%s: every audit event a record, every other, damaged and blank line counted', async (file, exp) => {
    const r = await run(read(file));
    expectConsistent(r);
    expect(entries(r.records).map(seen)).toEqual(exp.events.map(wanted));
    expect(r.records.filter((x) => x.kind === 'error').map((x) => x.line)).toEqual(exp.damagedLines.map((d) => d.line));
    expect(r.parsed.counts).toMatchObject({
      totalLines: exp.records,
      blankLines: exp.blankLines,
      errors: exp.damagedLines.length,
      failedOperations: exp.events.filter((e) => e.outcome === 'FAILED' || e.outcome === 'failure').length,
    });
    expect(r.parsed.counts.otherLines ?? 0).toBe(exp.otherLines + (exp.nonCadfNotifications?.length ?? 0));
    expect(r.parsed.formatDetected).toBe(exp.events.length + exp.damagedLines.length > 0);
  });

  it('gives an event the same id whatever shipper delivered it, as the producer wrote it or wrapped', async () => {
    const idsOf = async (file: string) => new Map(entries((await run(read(file))).records).map((e) => [e.eventId ?? `${e.actor} ${e.operation} ${e.localTime}`, e.id]));
    const fscsm = await idsOf('fscsm_audit.log');
    for (const file of ['fluentbit-s3-fscsm.jsonl.gz', 'vector-s3-fscsm-json.json.gz', 'vector-s3-fscsm-text.log.gz', 'fluentd-in-tail-none-fscsm.log', 'fluentbit-s3-fscsm-logkey.log']) {
      expect([file, await idsOf(file)]).toEqual([file, fscsm]);
    }
    const cadf = await idsOf('keystone-main.log');
    for (const file of ['fluentd-out-file-fluentbit-keystone.log.gz', 'fluentd-json-keystone.log.gz', 'fluentbit-parsed-cadf.jsonl']) {
      expect([file, await idsOf(file)]).toEqual([file, cadf]);
    }
  });

  it('keeps what the shipper knew: fluentd time and tag, Fluent Bit date and file, Vector timestamp, host and file', async () => {
    const first = async (file: string) => entries((await run(read(file))).records)[0]?.shipper;
    expect(await first('fluentd-out-file-fluentbit-keystone.log.gz')).toEqual({ time: expect.stringMatching(/^2026-08-20T09:14:\d\d\+00:00$/) as unknown, tag: 'openstack.keystone' });
    expect(await first('fluentbit-s3-fscsm.jsonl')).toEqual({ time: '2015-06-29T05:35:31.152000Z' });
    expect(await first('vector-s3-fscsm-json.jsonl')).toMatchObject({ host: 'CSM-MGR01', file: 'C:\\Fujitsu\\FSCSM\\log\\fscsm_audit.log' });
    expect(await first('mixed-shipper.jsonl')).toMatchObject({ file: '/srv/logs/fscsm/fscsm_audit.log' });
    // The producer's own file has no shipper.
    expect(await first('fscsm_audit.log')).toBeUndefined();
    // CADF records keep the project, so a container aggregating projects reads per project.
    expect(entries((await run(read('keystone-main.log'))).records).some((e) => e.project !== undefined)).toBe(true);
  });

  it('names the envelopes and inner formats found, with counts, for the summary', async () => {
    const r = await run(read('mixed-shipper.jsonl'));
    expect(r.parsed.contents?.envelopes).toEqual({ 'json:log': 70 });
    expect(r.parsed.contents?.formats).toMatchObject({ fscsm: 23, 'cadf (oslo.log)': 9, blank: 1 });
    expect(Object.values(r.parsed.contents?.formats ?? {}).reduce((a, b) => a + b, 0)).toBe(70);
  });

  it('gives the same records and counts however the stream is cut', async () => {
    for (const file of ['mixed-shipper.jsonl', 'fluentd-out-file-fluentbit-keystone.log.gz', 'vector-s3-fscsm-json.json', 'keystone-main.log']) {
      const whole = await run(read(file));
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4096 }), async (size) => {
          const cut = await run(read(file), {}, size);
          expect(cut.records).toEqual(whole.records);
          expect(cut.parsed.counts).toEqual(whole.parsed.counts);
        }),
        { numRuns: 15 },
      );
    }
  });
});

describe('the shipper stage on mixed lines', () => {
  const A = '2015/06/29 14:38:18.230\tfscsm_user\tcreate user:op_manager\tFAILED';
  const lines = (...ls: string[]) => Buffer.from(ls.join('\n') + '\n');

  it('reads every envelope around every inner format in one chunk', async () => {
    const cadf = readFileSync(new URL('../../fixtures/cadf/keystonemiddleware-nova.jsonl', import.meta.url), 'utf8').split('\n')[1] as string;
    const oslo = read('keystone-main.log').toString('utf8').split('\n')[2] as string; // a notification line
    const inners = [A, cadf, oslo];
    const wrap = [
      (t: string) => t,
      (t: string) => JSON.stringify({ date: 1435556298.48, log: t }),
      (t: string) => JSON.stringify({ message: `${t}\r`, host: 'h', file: 'f', source_type: 'file', timestamp: '2015-06-29T05:38:18Z' }),
      (t: string) => `2015-06-29T14:38:18+09:00\tfscsm.audit\t${JSON.stringify({ message: t })}`,
      (t: string) => `2026-08-20T09:14:03+00:00\topenstack.keystone\t${JSON.stringify({ log: t })}`,
    ];
    const all = wrap.flatMap((w) => inners.map(w));
    // a raw CADF line is the same event however it is wrapped: one record per line, formats alternate
    const r = await run(lines(A, ...all));
    expectConsistent(r);
    expect(r.records.map((x) => (x.kind === 'entry' ? (x.format ?? 'fscsm') : x.reason))).toEqual(['fscsm', ...all.map((_, i) => (i % 3 === 0 ? 'fscsm' : 'cadf'))]);
    const ids = new Set(r.records.map((x) => x.id));
    // The FSCSM line appears six times (identical lines: six ids); each CADF event five times (one id each).
    expect(ids.size).toBe(6 + 2);
  });

  it('counts a service log\'s own lines and tracebacks as other, and a line of no known kind as an error', async () => {
    const r = await run(
      lines(
        '2026-08-20 09:21:17.045 27 ERROR keystone.server.flask.application Traceback (most recent call last):',
        '  File "/usr/lib/python3/dist-packages/x.py", line 1, in f',
        'oslo_db.exception.DBConnectionError: lost',
        A,
        '192.0.2.10 - - [20/Aug/2026:09:14:03 +0000] "GET / HTTP/1.1" 200 12',
        JSON.stringify({ log: '192.0.2.10 - - [20/Aug/2026:09:14:03 +0000] "GET / HTTP/1.1" 200 12' }),
      ),
    );
    expectConsistent(r);
    expect(r.parsed.counts).toMatchObject({ totalLines: 6, otherLines: 4, parsed: 1, errors: 1 });
    // After an audit line, an unknown raw line is not a continuation: it is reported.
    expect(r.records[1]).toMatchObject({ line: 5, kind: 'error', reason: expect.stringMatching(/^unrecognised line/) as unknown });
  });

  it('reads the line from ENVELOPE_FIELD first, and keeps damaged audit lines as errors', async () => {
    const r = await run(
      lines(JSON.stringify({ msg: A, log: 'not this' }), JSON.stringify({ log: A.slice(0, 40) }), '{"event_type": "identity.authenticate", "payload": {"eventTime"'),
      { envelopeField: 'msg' },
    );
    expectConsistent(r);
    expect(r.records.map((x) => [x.line, x.kind])).toEqual([
      [1, 'entry'],
      [2, 'error'],
      [3, 'error'],
    ]);
    expect(r.parsed.contents?.envelopes).toEqual({ 'json:msg': 1, 'json:log': 1, none: 1 });
  });
});
