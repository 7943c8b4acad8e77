import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chunks, expectConsistent, jsonOfRun, run, type Run } from '../support/pipeline-run';
import { DEFAULT_PARSE_OPTIONS, parseObject } from '../../lib/pipeline';
import { OutputRecordSchema, type EntryRecord, type ErrorRecord, type OutputRecord } from '../../lib/records';
import { ANY_ID } from '../support/records';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/cadf/${name}`, import.meta.url));

function expectCadfConsistent(r: Run): void {
  expectConsistent(r);
  for (const x of r.records) if (x.kind === 'error') expect(Buffer.byteLength(x.raw)).toBeLessThanOrEqual(64 * 1024);
}

const entries = (records: OutputRecord[]) => records.filter((r): r is EntryRecord => r.kind === 'entry');
const errors = (records: OutputRecord[]) => records.filter((r): r is ErrorRecord => r.kind === 'error');
const counts = (totalLines: number, blankLines: number, parsed: number, errs: number, failed: number, pending: number) => ({
  totalLines,
  blankLines,
  parsed,
  errors: errs,
  failedOperations: failed,
  pendingOperations: pending,
  otherLines: 0,
});

const FIXTURES = [
  'keystone-authenticate-failure.json',
  'concatenated-documents.json',
  'keystone-events-array.json',
  'keystonemiddleware-nova.jsonl',
  'oslo-messaging-v2.jsonl',
  'fluentd-keystone.log',
  'bad-events.jsonl',
];

describe('parseObject: CADF fixtures', () => {
  it('parses a pretty-printed Keystone identity.authenticate failure notification into one FAILED entry', async () => {
    const r = await run(fixture('keystone-authenticate-failure.json'));
    expectCadfConsistent(r);
    expect(r.parsed).toMatchObject({ format: 'cadf', formatDetected: true, layout: 'json-documents', compression: 'none' });
    expect(r.parsed.counts).toEqual(counts(1, 0, 1, 0, 1, 0));
    expect(r.records).toStrictEqual([
      {
        id: ANY_ID,
        line: 1,
        kind: 'entry',
        format: 'cadf',
        timestamp: '2016-11-11T18:31:11.156Z',
        localTime: '2016-11-11T18:31:11.156',
        actor: '0a9b5cb3b9ab4a0a8a3c6c76b2d0e8f1',
        action: 'authenticate',
        resourceType: 'service/security/account/user',
        resourceIds: ['openstack:9c3d2a81-6b6e-4b0c-9a2e-1f1f4c1b2f7d'],
        outcome: 'FAILED',
        operation: 'authenticate service/security/account/user',
        eventId: 'openstack:f5352d7b-bee6-4c22-8213-450e7b646e9f',
        eventType: 'identity.authenticate',
        reason: { code: '401', type: 'The account is locked for user: 0a9b5cb3b9ab4a0a8a3c6c76b2d0e8f1.' },
      },
    ]);
  });

  it('parses keystonemiddleware JSON Lines: a pending request, its response, a list, a 403 and an unknown outcome', async () => {
    const r = await run(fixture('keystonemiddleware-nova.jsonl'));
    expectCadfConsistent(r);
    expect(r.parsed).toMatchObject({ format: 'cadf', formatDetected: true, layout: 'json-lines' });
    expect(r.parsed.counts).toEqual(counts(5, 0, 5, 0, 1, 1));
    const tenant = '95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d';
    expect(r.records[0]).toStrictEqual({
      id: ANY_ID,
      line: 1,
      kind: 'entry',
      format: 'cadf',
      timestamp: '2016-11-11T18:31:12.407Z',
      localTime: '2016-11-11T18:31:12.407',
      actor: 'alice',
      action: 'create',
      resourceType: 'service/compute/servers',
      resourceIds: ['openstack:5b0b6c6f-8d1e-4f2a-9b3c-7d4e5f6a7b8c'],
      outcome: 'PENDING',
      operation: 'create service/compute/servers',
      eventId: 'openstack:a7d2e9f0-1b3c-4d5e-8f6a-7b8c9d0e1f2a',
      eventType: 'audit.http.request',
      requestPath: `/v2.1/${tenant}/servers`,
      project: tenant,
    });
    // The response event repeats the request's id with the final outcome and the HTTP status.
    expect(r.records[1]).toStrictEqual({
      ...r.records[0],
      id: ANY_ID,
      line: 2,
      outcome: 'SUCCESS',
      eventType: 'audit.http.response',
      reason: { code: '202', type: 'HTTP' },
    });
    // Same event id, another outcome: another event to alert on, so another record id.
    expect(r.records[1]?.id).not.toBe(r.records[0]?.id);
    expect(
      entries(r.records).map((e) => [e.line, e.actor, e.action, e.resourceType, e.outcome, e.reason]),
    ).toEqual([
      [1, 'alice', 'create', 'service/compute/servers', 'PENDING', undefined],
      [2, 'alice', 'create', 'service/compute/servers', 'SUCCESS', { code: '202', type: 'HTTP' }],
      [3, 'alice', 'read/list', 'service/compute/servers/detail', 'SUCCESS', { code: '200', type: 'HTTP' }],
      [4, 'bob', 'delete', 'service/compute/servers/server', 'FAILED', { code: '403', type: 'HTTP' }],
      [5, 'bob', 'update', 'service/compute/servers/server/action', 'UNKNOWN', undefined],
    ]);
  });

  it('parses a pretty-printed array of Keystone events element by element, each at the line it starts on', async () => {
    const r = await run(fixture('keystone-events-array.json'));
    expectCadfConsistent(r);
    expect(r.parsed).toMatchObject({ format: 'cadf', formatDetected: true, layout: 'json-array' });
    expect(r.parsed.counts).toEqual(counts(4, 0, 4, 0, 1, 0));
    expect(entries(r.records).map((e) => [e.line, e.action, e.resourceType, e.outcome, e.reason ?? null, e.project ?? null])).toEqual([
      [2, 'created.project', 'data/security/project', 'SUCCESS', null, '95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d'],
      [30, 'created.role_assignment', 'service/security/account/user', 'SUCCESS', null, '95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d'],
      // reasonCode is a number in this event: it comes out as a string.
      [61, 'authenticate', 'service/security/account/user', 'FAILED', { code: '401', type: 'Unauthorized' }, null],
      [91, 'authenticate', 'service/security/account/user', 'SUCCESS', null, null],
    ]);
    expect(r.records.every((e) => e.kind === 'entry' && e.eventType === undefined)).toBe(true);
  });

  it('parses oslo.messaging v2 wire messages (the notification as a JSON string)', async () => {
    const r = await run(fixture('oslo-messaging-v2.jsonl'));
    expectCadfConsistent(r);
    expect(r.parsed).toMatchObject({ format: 'cadf', formatDetected: true, layout: 'json-lines' });
    expect(entries(r.records).map((e) => [e.line, e.eventType, e.action, e.resourceIds])).toEqual([
      [1, 'identity.project.created', 'created.project', ['e7a1b2c3d4e5f60718293a4b5c6d7e8f']],
      [2, 'identity.role_assignment.created', 'created.role_assignment', ['openstack:b8a7c6d5-e4f3-4a2b-9c1d-0e9f8a7b6c5d']],
    ]);
  });

  it('parses fluentd time<TAB>tag<TAB>record lines', async () => {
    const r = await run(fixture('fluentd-keystone.log'));
    expectCadfConsistent(r);
    expect(r.parsed).toMatchObject({ format: 'cadf', formatDetected: true, layout: 'fluentd' });
    expect(r.parsed.counts).toEqual(counts(2, 0, 2, 0, 1, 0));
    expect(entries(r.records).map((e) => [e.line, e.timestamp, e.outcome, e.eventType, e.reason])).toEqual([
      [1, '2016-11-11T18:41:27.880Z', 'FAILED', 'identity.authenticate', { code: '401', type: 'Unauthorized' }],
      [2, '2016-11-11T18:41:41.012Z', 'SUCCESS', 'identity.authenticate', undefined],
    ]);
  });

  it('parses concatenated pretty-printed documents, with Z, no zone (UTC) and +05:30 times', async () => {
    const r = await run(fixture('concatenated-documents.json'));
    expectCadfConsistent(r);
    expect(r.parsed).toMatchObject({ format: 'cadf', formatDetected: true, layout: 'json-documents' });
    expect(r.parsed.counts).toEqual(counts(3, 0, 3, 0, 0, 1));
    expect(entries(r.records).map((e) => [e.line, e.timestamp, e.localTime])).toEqual([
      [1, '2016-11-11T18:40:02.517Z', '2016-11-11T18:40:02.517'],
      [29, '2016-11-11T18:41:41.012Z', '2016-11-11T18:41:41.012'],
      [55, '2016-11-11T18:31:12.407Z', '2016-11-12T00:01:12.407'],
    ]);
  });

  it('turns every event that does not fit into an error record with its line, reason and raw text', async () => {
    const data = fixture('bad-events.jsonl');
    const r = await run(data);
    expectCadfConsistent(r);
    // Line 3, a notification without a CADF payload, is a notification of another kind: other, not an error.
    expect(r.parsed.counts).toEqual({ ...counts(11, 1, 2, 7, 0, 1), otherLines: 1 });
    expect(r.records.map((x) => [x.line, x.kind === 'entry' ? x.outcome : x.reason.replace(/:.*$|\(.*$/, '').trim()])).toEqual([
      [1, 'PENDING'],
      [2, 'event is not a JSON object'],
      [4, 'invalid eventTime "11/11/2016 18'],
      [5, 'unknown outcome "partial"'],
      [6, 'invalid JSON'],
      [8, 'SUCCESS'],
      [9, 'invalid eventTime "2016-02-30T10'],
      [10, 'missing initiator'],
      [11, 'target has no id'],
    ]);
    const lines = data.toString('utf8').split('\n');
    for (const e of errors(r.records)) expect(e.raw).toBe(lines[e.line - 1]);
  });

  it('gives the same records whatever the chunk size, plain and gzip, and detects CADF behind gzip', async () => {
    for (const name of FIXTURES) {
      const whole = await run(fixture(name));
      for (const size of [1, 7, 100]) {
        const r = await run(fixture(name), {}, size);
        expect([name, size, r.records]).toEqual([name, size, whole.records]);
        expect(r.parsed.counts).toEqual(whole.parsed.counts);
      }
      const gz = await run(gzipSync(fixture(name)), {}, 50);
      expectCadfConsistent(gz);
      expect(gz.parsed).toMatchObject({ format: 'cadf', formatDetected: true, compression: 'gzip', layout: whole.parsed.layout });
      expect(gz.records).toEqual(whole.records);
      expect(gz.parsed.counts).toEqual(whole.parsed.counts);
    }
  });

  it('gives the same entries for the same events in every delivery shape (but line and eventType)', async () => {
    const events = (JSON.parse(fixture('keystone-events-array.json').toString('utf8')) as unknown[]).slice(0, 4);
    const notification = (e: unknown) => ({ event_type: 'identity.x', payload: e, publisher_id: 'identity.k1', priority: 'INFO' });
    const shapes: Record<string, string> = {
      array: JSON.stringify(events),
      documents: events.map((e) => JSON.stringify(e, null, '\t')).join(''),
      jsonLines: events.map((e) => JSON.stringify(notification(e))).join('\n'),
      fluentd: events.map((e) => `1478889073\tkeystone\t${JSON.stringify(e)}`).join('\r\n') + '\r\n',
      oslo: events.map((e) => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(notification(e)) })).join('\n'),
    };
    // The fluentd shape adds what fluentd knew (`shipper`), the rest is the event's.
    const strip = (records: OutputRecord[]) => entries(records).map(({ line: _l, eventType: _t, shipper: _s, ...rest }) => rest);
    const expected = strip((await run(fixture('keystone-events-array.json'))).records);
    expect(expected).toHaveLength(4);
    for (const [shape, text] of Object.entries(shapes)) {
      const r = await run(Buffer.from(text));
      expectCadfConsistent(r);
      expect([shape, r.parsed.format, r.parsed.formatDetected, strip(r.records)]).toEqual([shape, 'cadf', true, expected]);
    }
  });
});

describe('parseObject: CADF limits and damage', () => {
  const small = { maxLineBytes: 4096 };
  const big = JSON.stringify({ eventTime: '2016-11-11T18:31:11Z', pad: 'p'.repeat(100_000) });

  it('makes an event longer than MAX_LINE_BYTES an error in an array, keeps 64 KiB of it, and reads the next', async () => {
    const events = JSON.parse(fixture('keystone-events-array.json').toString('utf8')) as unknown[];
    const text = `[${JSON.stringify(events[0])},\n${big},\n${JSON.stringify(events[1])}]`;
    const r = await run(Buffer.from(text), small, 1000);
    expectCadfConsistent(r);
    expect(r.records.map((x) => [x.line, x.kind])).toEqual([
      [1, 'entry'],
      [2, 'error'],
      [3, 'entry'],
    ]);
    expect(r.records[1]).toStrictEqual({
      id: ANY_ID,
      line: 2,
      kind: 'error',
      reason: `event is ${big.length} bytes, longer than the limit of 4096 (MAX_LINE_BYTES)`,
      raw: big.slice(0, 4096),
      rawTruncated: true,
    });
    const wide = await run(Buffer.from(text), { maxLineBytes: 1024 * 1024 });
    expect(wide.records.map((x) => x.kind)).toEqual(['entry', 'error', 'entry']); // fits, but has no outcome
    const capped = await run(Buffer.from(text), { maxLineBytes: 80_000 });
    expect(capped.records[1]).toMatchObject({ kind: 'error', rawTruncated: true, raw: big.slice(0, 64 * 1024) });
  });

  it('makes an overlong JSON Lines line an error and reads the next line', async () => {
    const good = fixture('keystonemiddleware-nova.jsonl').toString('utf8').split('\n')[0] ?? '';
    const r = await run(Buffer.from(`${good}\n${big}\n${good}\n`), small);
    expectCadfConsistent(r);
    expect(r.parsed.layout).toBe('json-lines');
    expect(r.records.map((x) => [x.line, x.kind])).toEqual([
      [1, 'entry'],
      [2, 'error'],
      [3, 'entry'],
    ]);
    expect(r.records[1]).toMatchObject({ reason: `line is ${big.length} bytes, longer than the limit of 4096 (MAX_LINE_BYTES)`, rawTruncated: true });
  });

  it('makes a document with invalid UTF-8 an error that keeps its bytes', async () => {
    const doc = Buffer.concat([Buffer.from('{"eventTime": "2016-11-11T18:31:11Z",\n "name": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const next = fixture('keystone-authenticate-failure.json');
    const r = await run(Buffer.concat([doc, next]), { format: 'cadf' });
    expectCadfConsistent(r);
    expect(r.records[0]).toMatchObject({ line: 1, kind: 'error', reason: 'event is not valid UTF-8', rawBase64: doc.subarray(0, -1).toString('base64') });
    expect(r.records[1]).toMatchObject({ line: 3, kind: 'entry', outcome: 'FAILED' });
  });

  it('ends a truncated gzip array with the events before the damage, then the cut event, the open array and the damage', async () => {
    const events = JSON.parse(fixture('keystone-events-array.json').toString('utf8')) as unknown[];
    const many = Array.from({ length: 400 }, (_, i) => events[i % events.length]);
    const gz = gzipSync(Buffer.from(JSON.stringify(many, null, 2)));
    const r = await run(gz.subarray(0, Math.floor(gz.length * 0.6)), {}, 512);
    expectCadfConsistent(r);
    expect(r.parsed.streamError).toMatch(/^gzip content is damaged or truncated/);
    const good = entries(r.records);
    expect(good.length).toBeGreaterThan(50);
    expect(good.length).toBeLessThan(400);
    expect(r.records.slice(good.length).map((x) => (x.kind === 'error' ? x.reason : x.kind))).toEqual([
      'the input ended inside this JSON value',
      'the input ended inside the top-level array opened on line 1 (no closing "]")',
      r.parsed.streamError,
    ]);
    expect(r.records[r.records.length - 1]?.line).toBe((r.records[r.records.length - 2]?.line ?? 0) + 1);
  });

  it('streams a large array: the first records come out long before the input has been read', async () => {
    const events = JSON.parse(fixture('keystone-events-array.json').toString('utf8')) as unknown[];
    const data = Buffer.from(JSON.stringify(Array.from({ length: 4000 }, (_, i) => events[i % events.length])));
    let handedOut = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < data.length; i += 16 * 1024) {
        await Promise.resolve();
        handedOut = Math.min(i + 16 * 1024, data.length);
        yield data.subarray(i, i + 16 * 1024);
      }
    }
    const parsed = await parseObject(counted(), DEFAULT_PARSE_OPTIONS);
    let readAtFirstBatch = -1;
    let total = 0;
    for await (const batch of parsed.batches) {
      if (readAtFirstBatch === -1) readAtFirstBatch = handedOut;
      total += batch.records.length;
    }
    expect(total).toBe(4000);
    expect(readAtFirstBatch).toBeLessThan(data.length / 10);
    expect(parsed.counts).toEqual(counts(4000, 0, 4000, 0, 1000, 0));
  });

  it('reads FSCSM text forced to CADF as one error per line, and CADF forced to FSCSM likewise', async () => {
    const fscsm = readFileSync(new URL('../fixtures/fscsm/sample-tab.log', import.meta.url));
    const asCadf = await run(fscsm, { format: 'cadf' });
    expectCadfConsistent(asCadf);
    expect(asCadf.parsed).toMatchObject({ format: 'cadf', formatDetected: false, layout: 'json-lines' });
    expect(asCadf.parsed.counts).toEqual({ ...counts(21, 0, 0, 21, 0, 0), otherLines: undefined });
    expect(errors(asCadf.records).every((e) => e.reason.startsWith('invalid JSON: '))).toBe(true);

    const asFscsm = await run(fixture('keystonemiddleware-nova.jsonl'), { format: 'fscsm' });
    expectCadfConsistent(asFscsm);
    expect(asFscsm.parsed).toMatchObject({ format: 'fscsm', formatDetected: false, layout: undefined });
    expect(asFscsm.parsed.counts).toEqual({ ...counts(5, 0, 0, 5, 0, 0), otherLines: undefined });
    // Strict CADF still calls a notification of another kind an error.
    const strict = await run(fixture('bad-events.jsonl'), { format: 'cadf' });
    expect(errors(strict.records).find((e) => e.line === 3)?.reason).toMatch(/^not a CADF event/);
  });

  it('writes CADF records as JSON Lines that parse back to the same records', async () => {
    const parsed = await parseObject(chunks(fixture('keystone-events-array.json'), 100), DEFAULT_PARSE_OPTIONS);
    const lines = (await jsonOfRun(parsed)).trimEnd().split('\n');
    const expected = (await run(fixture('keystone-events-array.json'))).records;
    expect(lines.map((l) => OutputRecordSchema.parse(JSON.parse(l)))).toStrictEqual(expected);
  });
});
