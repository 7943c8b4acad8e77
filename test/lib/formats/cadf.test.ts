import { describe, expect, it } from 'vitest';
import { withId } from '../../support/records';
import { cadfRecord, capRaw, createCadfLineParser, parseCadfTime, RAW_CAP_BYTES } from '../../../lib/formats/cadf';
import { FailureSchema, NotifyPayloadSchema, toFailure } from '../../../lib/notify-payload';
import { OutputRecordSchema, type Draft, type EntryRecord, type ErrorRecord } from '../../../lib/records';

const CADF = 'http://schemas.dmtf.org/cloud/audit/1.0/event';

/** A keystonemiddleware response event for "create server" (nova-api), as pycadf writes it. */
function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    typeURI: CADF,
    eventTime: '2016-11-11T18:31:12.407155+0000',
    target: {
      typeURI: 'service/compute/servers',
      id: 'openstack:5b0b6c6f-8d1e-4f2a-9b3c-7d4e5f6a7b8c',
      name: 'nova',
      addresses: [{ url: 'http://controller:8774/v2.1/95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d', name: 'admin' }],
    },
    observer: { id: 'target' },
    eventType: 'activity',
    initiator: {
      typeURI: 'service/security/account/user',
      name: 'alice',
      credential: { token: '***', identity_status: 'Confirmed' },
      host: { agent: 'python-novaclient', address: '10.0.2.15' },
      project_id: '95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d',
      id: '4f4b6c1d2e3f4a5b6c7d8e9f0a1b2c3d',
    },
    action: 'create',
    outcome: 'success',
    reason: { reasonCode: '202', reasonType: 'HTTP' },
    id: 'openstack:a7d2e9f0-1b3c-4d5e-8f6a-7b8c9d0e1f2a',
    requestPath: '/v2.1/95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d/servers',
    ...overrides,
  };
}

const EXPECTED: Draft<EntryRecord> = {
  line: 7,
  kind: 'entry',
  format: 'cadf',
  timestamp: '2016-11-11T18:31:12.407Z',
  localTime: '2016-11-11T18:31:12.407',
  actor: 'alice',
  action: 'create',
  resourceType: 'service/compute/servers',
  resourceIds: ['openstack:5b0b6c6f-8d1e-4f2a-9b3c-7d4e5f6a7b8c'],
  outcome: 'SUCCESS',
  operation: 'create service/compute/servers',
  eventId: 'openstack:a7d2e9f0-1b3c-4d5e-8f6a-7b8c9d0e1f2a',
  reason: { code: '202', type: 'HTTP' },
  requestPath: '/v2.1/95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d/servers',
  project: '95e1fc0b8e3a4a4b9d7f5c2e1a0b3c4d',
};

const record = (value: unknown, raw = 'raw'): Draft => cadfRecord(7, value, raw);

function entry(rec: Draft): Draft<EntryRecord> {
  if (rec.kind !== 'entry') throw new Error(`expected an entry, got: ${rec.reason}`);
  return rec;
}

function failure(rec: Draft): Draft<ErrorRecord> {
  if (rec.kind !== 'error') throw new Error(`expected an error, got: ${JSON.stringify(rec)}`);
  return rec;
}

describe('cadfRecord: the shapes an event arrives in', () => {
  it('normalises a bare CADF event into an entry that fits the record schema', () => {
    const rec = record(event());
    expect(rec).toStrictEqual(EXPECTED);
    expect(OutputRecordSchema.parse(withId(rec))).toMatchObject(rec);
  });

  it('reads the event from an oslo.messaging notification and keeps its event_type', () => {
    const notification = {
      event_type: 'audit.http.response',
      timestamp: '2016-11-11 18:31:13.221890',
      payload: event(),
      priority: 'INFO',
      publisher_id: 'nova-api',
      message_id: '0e9d8c7b-6a5f-4e4d-8c3b-2a1f0e9d8c7b',
    };
    expect(record(notification)).toStrictEqual({ ...EXPECTED, eventType: 'audit.http.response' });
  });

  it('reads the notification inside an oslo.messaging v2 wire message ("oslo.message" as a JSON string)', () => {
    const inner = { event_type: 'identity.authenticate', payload: event(), publisher_id: 'identity.keystone-1', _unique_id: 'x' };
    const wire = { 'oslo.version': '2.0', 'oslo.message': JSON.stringify(inner) };
    expect(record(wire)).toStrictEqual({ ...EXPECTED, eventType: 'identity.authenticate' });
  });

  it('makes an unreadable oslo.message, a non-object payload or a non-object value an error', () => {
    expect(failure(record({ 'oslo.version': '2.0', 'oslo.message': '{"event_type":' })).reason).toMatch(/^oslo\.message is not valid JSON: /);
    expect(failure(record({ event_type: 'identity.authenticate', payload: 'text' })).reason).toBe(
      'notification payload is not a JSON object (got a string)',
    );
    expect(failure(record([event()])).reason).toBe('event is not a JSON object (got an array)');
    expect(failure(record(42)).reason).toBe('event is not a JSON object (got a number)');
    expect(failure(record(null)).reason).toBe('event is not a JSON object (got null)');
  });

  it('rejects a notification that is not CADF (no eventTime) and a resource that is not an event', () => {
    const notCadf = { event_type: 'compute.instance.create.end', payload: { instance_id: 'i-1', state: 'active' }, publisher_id: 'compute.host1' };
    expect(failure(record(notCadf))).toStrictEqual({ line: 7, kind: 'error', reason: 'not a CADF event: no eventTime', raw: 'raw' });
    expect(failure(record(event({ typeURI: 'service/compute/servers' }))).reason).toBe(
      `not a CADF event: typeURI is "service/compute/servers", expected ${CADF}`,
    );
  });

  it('accepts an event without typeURI when the rest is there', () => {
    const { typeURI: _omit, ...rest } = event();
    expect(record(rest)).toStrictEqual(EXPECTED);
  });
});

describe('cadfRecord: fields', () => {
  it.each([
    ['success', 'SUCCESS'],
    ['failure', 'FAILED'],
    ['pending', 'PENDING'],
    ['unknown', 'UNKNOWN'],
    ['Failure', 'FAILED'],
  ])('maps outcome %s to %s', (outcome, expected) => {
    expect(entry(record(event({ outcome }))).outcome).toBe(expected);
  });

  it.each([['partial'], [''], [1], [null]])('makes outcome %j an error', (outcome) => {
    expect(failure(record(event({ outcome }))).reason).toMatch(/^unknown outcome .* \(expected success, failure, pending or unknown\)$/);
  });

  it('makes a missing outcome an error', () => {
    const { outcome: _omit, ...rest } = event();
    expect(failure(record(rest)).reason).toBe('unknown outcome none (expected success, failure, pending or unknown)');
  });

  it.each([
    [{ reasonCode: '401', reasonType: 'Unauthorized' }, { code: '401', type: 'Unauthorized' }],
    [{ reasonCode: 401, reasonType: 'Unauthorized' }, { code: '401', type: 'Unauthorized' }],
    [{ reasonCode: 0 }, { code: '0' }],
    [{ reasonType: 'The account is locked for user: u1.' }, { type: 'The account is locked for user: u1.' }],
    ['quota exceeded', 'quota exceeded'],
  ])('reads reason %j as %j', (reason, expected) => {
    expect(entry(record(event({ reason }))).reason).toStrictEqual(expected);
  });

  it.each([[{}], [''], [{ reasonCode: '' }], [null], [{ reasonCode: true }]])('leaves out an empty reason %j', (reason) => {
    expect(entry(record(event({ reason })))).not.toHaveProperty('reason');
  });

  it('takes the actor from initiator.name, else initiator.id', () => {
    const { name: _name, ...noName } = event().initiator as Record<string, unknown>;
    expect(entry(record(event({ initiator: noName }))).actor).toBe('4f4b6c1d2e3f4a5b6c7d8e9f0a1b2c3d');
    expect(entry(record(event({ initiator: { ...noName, name: '' } }))).actor).toBe('4f4b6c1d2e3f4a5b6c7d8e9f0a1b2c3d');
  });

  it('keeps CADF actions and target types as written, e.g. read/list and Keystone created.project', () => {
    const list = entry(record(event({ action: 'read/list', target: { typeURI: 'service/compute/servers/detail', id: 's1' } })));
    expect([list.action, list.resourceType, list.resourceIds, list.operation]).toEqual([
      'read/list',
      'service/compute/servers/detail',
      ['s1'],
      'read/list service/compute/servers/detail',
    ]);
    const project = entry(record(event({ action: 'created.project', target: { typeURI: 'data/security/project', id: 'p1' } })));
    expect(project.operation).toBe('created.project data/security/project');
  });

  it('leaves out optional fields the event does not have', () => {
    const rec = entry(
      record({
        eventTime: '2016-11-11T18:31:11Z',
        action: 'authenticate',
        outcome: 'failure',
        initiator: { id: 'u1' },
        target: { typeURI: 'service/security/account/user', id: 't1' },
      }),
    );
    expect(rec).toStrictEqual({
      line: 7,
      kind: 'entry',
      format: 'cadf',
      timestamp: '2016-11-11T18:31:11.000Z',
      localTime: '2016-11-11T18:31:11.000',
      actor: 'u1',
      action: 'authenticate',
      resourceType: 'service/security/account/user',
      resourceIds: ['t1'],
      outcome: 'FAILED',
      operation: 'authenticate service/security/account/user',
    });
  });

  it.each([
    ['missing initiator', { initiator: undefined }],
    ['missing initiator', { initiator: 'alice' }],
    ['initiator has neither a name nor an id', { initiator: { typeURI: 'service/security/account/user' } }],
    ['missing target', { target: undefined }],
    ['target has no typeURI', { target: { id: 't1' } }],
    ['target has no id', { target: { typeURI: 'service/compute/servers' } }],
    ['target has no id', { target: { typeURI: 'service/compute/servers', id: 5 } }],
    ['missing action (got none)', { action: undefined }],
    ['missing action (got "")', { action: '' }],
    ['not a CADF event: no eventTime', { eventTime: undefined }],
    ['invalid eventTime 1478889071', { eventTime: 1478889071 }],
  ])('makes an event with a bad field an error: %s', (reason, overrides) => {
    const value = JSON.parse(JSON.stringify(event(overrides))) as unknown; // drops the undefined fields
    expect(failure(record(value, 'the raw text'))).toStrictEqual({ line: 7, kind: 'error', reason, raw: 'the raw text' });
  });
});

describe('parseCadfTime', () => {
  it.each([
    ['2016-11-11T18:31:11.156356+0000', '2016-11-11T18:31:11.156Z', '2016-11-11T18:31:11.156'],
    ['2016-11-11T18:31:11.156356+00:00', '2016-11-11T18:31:11.156Z', '2016-11-11T18:31:11.156'],
    ['2016-11-11T18:31:11.156356Z', '2016-11-11T18:31:11.156Z', '2016-11-11T18:31:11.156'],
    ['2016-11-11T18:31:11.156356', '2016-11-11T18:31:11.156Z', '2016-11-11T18:31:11.156'],
    ['2016-11-11 18:31:11.156356', '2016-11-11T18:31:11.156Z', '2016-11-11T18:31:11.156'],
    ['2016-11-11T18:31:11', '2016-11-11T18:31:11.000Z', '2016-11-11T18:31:11.000'],
    ['2016-11-11T18:31:11.5', '2016-11-11T18:31:11.500Z', '2016-11-11T18:31:11.500'],
    ['2016-11-11T18:31:11.999999999Z', '2016-11-11T18:31:11.999Z', '2016-11-11T18:31:11.999'],
    ['2016-11-12T00:01:11.156356+05:30', '2016-11-11T18:31:11.156Z', '2016-11-12T00:01:11.156'],
    ['2016-11-11T10:31:11.156-0800', '2016-11-11T18:31:11.156Z', '2016-11-11T10:31:11.156'],
    ['2016-11-11T20:31:11+02', '2016-11-11T18:31:11.000Z', '2016-11-11T20:31:11.000'],
    ['2016-02-29T23:59:59.999-01:00', '2016-03-01T00:59:59.999Z', '2016-02-29T23:59:59.999'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z', '0099-01-01T00:00:00.000'],
  ])('reads %s as %s (local %s)', (text, timestamp, localTime) => {
    expect(parseCadfTime(text)).toEqual({ timestamp, localTime });
  });

  it.each([
    ['yesterday', /expected ISO-8601/],
    ['11/11/2016 18:31:11', /expected ISO-8601/],
    ['2016-11-11T18:31', /expected ISO-8601/],
    ['2016-11-11T18:31:11+0000 extra', /expected ISO-8601/],
    ['2015-02-29T10:00:00Z', /: day 29$/],
    ['2016-13-01T10:00:00Z', /: month 13$/],
    ['2016-11-11T24:00:00Z', /: time of day 24:00:00$/],
    ['2016-11-11T23:60:00Z', /: time of day 23:60:00$/],
    ['2016-11-11T10:00:00+2400', /: offset \+24:00$/],
    ['0000-01-01T00:30:00+01:00', /out of range once converted to UTC$/],
    ['9999-12-31T23:30:00-01:00', /out of range once converted to UTC$/],
  ])('rejects %s', (text, reason) => {
    expect(parseCadfTime(text)).toMatch(reason);
  });

  it('makes an unreadable eventTime an error record', () => {
    expect(failure(record(event({ eventTime: '2016-11-11T18:31:11.156356 UTC' }))).reason).toMatch(
      /^invalid eventTime "2016-11-11T18:31:11.156356 UTC" \(expected ISO-8601/,
    );
  });
});

describe('createCadfLineParser', () => {
  const parse = createCadfLineParser();
  const line = JSON.stringify(event());

  it('parses a JSON Lines line', () => {
    expect(parse(7, line)).toStrictEqual(EXPECTED);
  });

  it('strips a fluentd time<TAB>tag<TAB> prefix (ISO or epoch time)', () => {
    expect(parse(7, `2016-11-11T18:31:13+0000\topenstack.nova.audit\t${line}`)).toStrictEqual(EXPECTED);
    expect(parse(7, `2016-11-11 18:31:13.221 +0000\taudit\t${line}`)).toStrictEqual(EXPECTED);
    expect(parse(7, `2016-11-11T18:31:13Z\taudit\t${line}`)).toStrictEqual(EXPECTED);
    expect(parse(7, `1478889073\taudit.nova\t${line}`)).toStrictEqual(EXPECTED);
    expect(parse(7, `1478889073.221\taudit.nova\t${line}`)).toStrictEqual(EXPECTED);
  });

  it('makes invalid JSON an error record with the line as raw', () => {
    const cut = line.slice(0, 80);
    expect(parse(3, cut)).toStrictEqual({ line: 3, kind: 'error', reason: expect.stringMatching(/^invalid JSON: /) as unknown, raw: cut });
    expect(parse(4, 'plain text')).toMatchObject({ line: 4, kind: 'error', raw: 'plain text' });
  });

  it('caps the raw text of a long bad line at 64 KiB, on a character boundary, and marks it truncated', () => {
    const long = `{"x":"${'é'.repeat(50_000)}"`; // 100 KiB of 2-byte characters, unterminated
    const rec = failure(parse(9, long));
    expect(rec.rawTruncated).toBe(true);
    expect(Buffer.byteLength(rec.raw)).toBeLessThanOrEqual(RAW_CAP_BYTES);
    expect(Buffer.byteLength(rec.raw)).toBeGreaterThan(RAW_CAP_BYTES - 4);
    expect(long.startsWith(rec.raw)).toBe(true);
  });
});

describe('capRaw', () => {
  it('keeps text that fits, and cuts longer text back to a whole character', () => {
    expect(capRaw('abc', 3)).toBe('abc');
    expect(capRaw('abcd', 3)).toBe('abc');
    expect(capRaw('aé', 2)).toBe('a');
    expect(capRaw('a😀b', 4)).toBe('a');
    expect(capRaw('a😀b', 5)).toBe('a😀');
  });
});

describe('CADF entries downstream', () => {
  it('go through the notify payload when FAILED, with their CADF fields', () => {
    const failed = withId(entry(record(event({ outcome: 'failure', reason: { reasonCode: 403, reasonType: 'HTTP' } })))) as EntryRecord;
    const f = toFailure(failed);
    expect(FailureSchema.parse(f)).toStrictEqual({ ...failed, outcome: 'FAILED' });
    expect(
      NotifyPayloadSchema.parse({ schemaVersion: 1, source: { bucket: 'b', key: 'k' }, records: 'k.jsonl', batch: 1, failures: [f] }).failures[0],
    ).toMatchObject({ format: 'cadf', reason: { code: '403', type: 'HTTP' }, requestPath: EXPECTED.requestPath });
  });

  it('keep FSCSM vocabularies closed: an entry without format must use FSCSM actions, types and outcomes', () => {
    const { format: _format, ...asFscsm } = withId(entry(record(event()))) as EntryRecord;
    expect(OutputRecordSchema.safeParse(asFscsm).success).toBe(false);
    expect(OutputRecordSchema.safeParse({ ...asFscsm, action: 'create', resourceType: 'user' }).success).toBe(true);
    expect(OutputRecordSchema.safeParse({ ...asFscsm, action: 'create', resourceType: 'user', outcome: 'PENDING' }).success).toBe(false);
    expect(OutputRecordSchema.safeParse({ ...asFscsm, format: 'fscsm', action: 'authenticate' }).success).toBe(false);
    expect(OutputRecordSchema.safeParse({ ...asFscsm, format: 'cadf', outcome: 'PENDING' }).success).toBe(true);
  });
});
