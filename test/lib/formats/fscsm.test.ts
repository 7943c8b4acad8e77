import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFscsmParser } from '../../../lib/formats/fscsm';
import { withId } from '../../support/records';
import {
  OutputRecordSchema,
  type Action,
  type EntryRecord,
  type ErrorRecord,
  type Draft,
  type ResourceType,
} from '../../../lib/records';

const FIXTURES = new URL('../../fixtures/fscsm/', import.meta.url);
const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(name, FIXTURES), 'utf8').replace(/\n$/, '').split('\n');

const utc = createFscsmParser({ timeZone: 'UTC' });

function entry(rec: Draft): Draft<EntryRecord> {
  if (rec.kind !== 'entry') throw new Error(`expected an entry, got error: ${rec.reason}`);
  return rec;
}
function failure(rec: Draft): Draft<ErrorRecord> {
  if (rec.kind !== 'error') throw new Error(`expected an error record, got entry: ${JSON.stringify(rec)}`);
  return rec;
}

// ---------------------------------------------------------------------------------------
// The operation table of the FSCSM manual, with one concrete ID per row.
// ---------------------------------------------------------------------------------------
interface Row {
  operation: string;
  action: Action;
  resourceType: ResourceType;
  resourceIds: string[];
  keypair?: { platformId: string; keyName: string };
}

const CRUD_TYPES = ['contract', 'menu', 'bizsystem', 'service', 'org', 'user', 'project', 'accountingcode'] as const;
const TABLE: Row[] = [
  ...CRUD_TYPES.flatMap((type) =>
    (['create', 'modify', 'delete'] as const).map(
      (action): Row => ({
        operation: `${action} ${type}:${type}-${action}-01`,
        action,
        resourceType: type,
        resourceIds: [`${type}-${action}-01`],
      }),
    ),
  ),
  { operation: 'start service:vm-1-gyoumu100', action: 'start', resourceType: 'service', resourceIds: ['vm-1-gyoumu100'] },
  { operation: 'stop service:vm-1-gyoumu100', action: 'stop', resourceType: 'service', resourceIds: ['vm-1-gyoumu100'] },
  { operation: 'create snapshot:snap-01', action: 'create', resourceType: 'snapshot', resourceIds: ['snap-01'] },
  { operation: 'restore snapshot:snap-01', action: 'restore', resourceType: 'snapshot', resourceIds: ['snap-01'] },
  { operation: 'delete snapshot:snap-01', action: 'delete', resourceType: 'snapshot', resourceIds: ['snap-01'] },
  { operation: 'delete: 12', action: 'delete', resourceType: 'request', resourceIds: ['12'] },
  {
    operation: 'create keypair:platformA_keypairA',
    action: 'create',
    resourceType: 'keypair',
    resourceIds: ['platformA_keypairA'],
    keypair: { platformId: 'platformA', keyName: 'keypairA' },
  },
  {
    operation: 'delete keypair:platformA_keypairA',
    action: 'delete',
    resourceType: 'keypair',
    resourceIds: ['platformA_keypairA'],
    keypair: { platformId: 'platformA', keyName: 'keypairA' },
  },
];

const FORMS = {
  'TAB-separated': (t: string, a: string, o: string, s: string) => `${t}\t${a}\t${o}\t${s}`,
  'runs of TABs': (t: string, a: string, o: string, s: string) => `${t}\t\t${a}\t\t\t${o}\t\t${s}\t`,
  'space-separated': (t: string, a: string, o: string, s: string) => `${t} ${a} ${o} ${s}`,
  'runs of spaces': (t: string, a: string, o: string, s: string) => `${t}   ${a}  ${o}    ${s}  `,
} as const;

describe('FSCSM parser: the operation table', () => {
  it('covers all 32 operations of the manual', () => {
    expect(TABLE).toHaveLength(32);
    expect(new Set(TABLE.map((r) => r.operation)).size).toBe(32);
  });

  describe.each(Object.entries(FORMS))('%s', (_form, build) => {
    it.each(TABLE.map((row) => [row.operation, row] as const))('parses "%s"', (_op, row) => {
      const rec = utc(7, build('2015/06/29 14:35:30.902', 'op_manager', row.operation, 'SUCCESS'));
      const expected: Draft<EntryRecord> = {
        line: 7,
        kind: 'entry',
        timestamp: '2015-06-29T14:35:30.902Z',
        localTime: '2015-06-29T14:35:30.902',
        actor: 'op_manager',
        action: row.action,
        resourceType: row.resourceType,
        resourceIds: row.resourceIds,
        outcome: 'SUCCESS',
        operation: row.operation,
        ...row.keypair,
      };
      expect(rec).toStrictEqual(expected);
    });
  });

  it('reads FAILED as the outcome and accepts it in any letter case', () => {
    expect(entry(utc(1, '2015/06/29 14:38:18.230\tfscsm_user\tcreate user:op_manager\tFAILED')).outcome).toBe('FAILED');
    expect(entry(utc(1, '2015/06/29 14:38:18.230\tfscsm_user\tcreate user:op_manager\tfailed')).outcome).toBe('FAILED');
    expect(entry(utc(1, '2015/06/29 14:38:18.230\tfscsm_user\tcreate user:op_manager\tSuccess')).outcome).toBe('SUCCESS');
  });

  it('lower-cases the action and the resource type but keeps the operation text as logged', () => {
    const rec = entry(utc(1, '2015/06/29 14:38:18.230\tadmin\tCREATE User:Bob\tSUCCESS'));
    expect([rec.action, rec.resourceType, rec.resourceIds, rec.operation]).toEqual(['create', 'user', ['Bob'], 'CREATE User:Bob']);
  });
});

describe('FSCSM parser: the seed sample', () => {
  // The manual's own sample, copied with spaces instead of TABs.
  const EXPECTED: Array<[string, string, Action, ResourceType, string[], 'SUCCESS' | 'FAILED']> = [
    ['2015-06-29T14:35:30.902', 'fscsm_user', 'create', 'user', ['op_user'], 'SUCCESS'],
    ['2015-06-29T14:38:18.230', 'fscsm_user', 'create', 'user', ['op_manager'], 'FAILED'],
    ['2015-06-29T15:29:43.361', 'op_manager', 'create', 'org', ['org_01'], 'SUCCESS'],
    ['2015-06-29T15:33:51.690', 'pl_manager', 'create', 'menu', ['menu_01'], 'SUCCESS'],
    ['2015-06-29T15:47:30.988', 'op_manager', 'delete', 'user', ['sv_manager'], 'SUCCESS'],
    ['2015-06-29T15:49:49.692', 'op_manager', 'modify', 'user', ['biz_manager'], 'SUCCESS'],
    ['2015-06-29T16:07:07.381', 'biz_manager_002', 'create', 'bizsystem', ['1'], 'SUCCESS'],
    ['2015-06-29T16:11:26.194', 'biz_manager01', 'create', 'bizsystem', ['2'], 'SUCCESS'],
    ['2015-06-29T16:16:19.288', 'biz_manager_002', 'modify', 'user', ['biz_manager'], 'SUCCESS'],
    ['2015-06-29T16:18:49.851', 'pl_manager', 'modify', 'menu', ['menu_01'], 'SUCCESS'],
    ['2015-06-29T16:19:18.382', 'biz_manager_002', 'create', 'bizsystem', ['3'], 'SUCCESS'],
    ['2015-06-29T16:21:49.945', 'pl_user', 'modify', 'menu', ['menu_01'], 'SUCCESS'],
    ['2015-06-29T16:25:22.274', 'biz_manager', 'create', 'service', ['vm-1-biz01'], 'FAILED'],
    ['2015-06-29T18:07:40.583', 'biz_manager', 'create', 'service', ['vm-1-gyoumu100'], 'SUCCESS'],
    ['2015-06-29T18:07:45.654', 'biz_manager', 'start', 'service', ['vm-1-gyoumu100'], 'SUCCESS'],
    ['2015-06-29T18:09:10.942', 'biz_manager', 'create', 'snapshot', ['vm-1-gyoumu100'], 'SUCCESS'],
    ['2016-02-05T09:11:21.617', 'fscsm_request', 'delete', 'request', ['56', '57', '58'], 'SUCCESS'],
    ['2016-02-05T10:00:00.000', 'user001', 'create', 'bizsystem', ['platformA'], 'SUCCESS'],
    ['2016-02-05T10:10:00.000', 'user002', 'create', 'keypair', ['platformA_keypairA'], 'SUCCESS'],
    ['2016-02-05T11:00:00.000', 'user002', 'create', 'keypair', ['platformA_keypairB'], 'SUCCESS'],
    ['2016-02-05T11:00:01.000', 'user002', 'delete', 'keypair', ['platformA_keypairA'], 'SUCCESS'],
  ];

  it.each([['seed-sample.log (spaces)'], ['sample-tab.log (TABs)']])('parses every line of %s', (label) => {
    const lines = fixtureLines(label.split(' ')[0] as string);
    expect(lines).toHaveLength(EXPECTED.length);
    lines.forEach((text, i) => {
      const rec = entry(utc(i + 1, text));
      const [localTime, actor, action, resourceType, resourceIds, outcome] = EXPECTED[i] as (typeof EXPECTED)[number];
      expect(rec).toMatchObject({ line: i + 1, localTime, timestamp: `${localTime}Z`, actor, action, resourceType, resourceIds, outcome });
      expect(OutputRecordSchema.parse(withId(rec))).toMatchObject(rec);
    });
  });

  it('splits the keypairs of the sample into platform and key name', () => {
    const recs = fixtureLines('seed-sample.log').map((t, i) => entry(utc(i + 1, t)));
    const keypairs = recs.filter((r) => r.resourceType === 'keypair').map((r) => [r.platformId, r.keyName]);
    expect(keypairs).toEqual([
      ['platformA', 'keypairA'],
      ['platformA', 'keypairB'],
      ['platformA', 'keypairA'],
    ]);
    expect(recs.filter((r) => r.resourceType !== 'keypair').every((r) => !('platformId' in r) && !('keyName' in r))).toBe(true);
  });
});

describe('FSCSM parser: irregular forms of the sample (irregular.log)', () => {
  const recs = fixtureLines('irregular.log').map((t, i) => utc(i + 1, t));

  it('accepts a space after the colon, and does not keep it in the ID', () => {
    expect(entry(recs[0] as Draft)).toMatchObject({ resourceType: 'org', resourceIds: ['org_01'], operation: 'create org: org_01' });
    expect(entry(recs[4] as Draft)).toMatchObject({ action: 'stop', resourceType: 'service', resourceIds: ['vm-1'] });
  });

  it('reads "4:19:18 PM.382" as 16:19:18.382, in TAB and in space form', () => {
    for (const i of [1, 2]) {
      expect(entry(recs[i] as Draft)).toMatchObject({
        localTime: '2015-06-29T16:19:18.382',
        timestamp: '2015-06-29T16:19:18.382Z',
        actor: 'biz_manager_002',
        resourceIds: ['3'],
      });
    }
  });

  it('reads "4:19:18.382 PM" (milliseconds before the meridiem) the same way', () => {
    expect(entry(recs[3] as Draft).localTime).toBe('2015-06-29T16:19:18.382');
  });

  it('reads 12 AM as midnight and 12 PM as noon; a 1-digit fraction is tenths', () => {
    expect(entry(recs[4] as Draft).localTime).toBe('2015-06-29T00:00:00.500');
    expect(entry(recs[5] as Draft)).toMatchObject({ localTime: '2015-06-29T12:30:00.000', action: 'start', outcome: 'FAILED' });
  });

  it('splits "delete request:56,57,58" into three request IDs, also with blanks around commas', () => {
    expect(entry(recs[6] as Draft)).toMatchObject({ action: 'delete', resourceType: 'request', resourceIds: ['56', '57', '58'] });
    expect(entry(recs[7] as Draft)).toMatchObject({
      resourceType: 'request',
      resourceIds: ['56', '57', '58'],
      operation: 'delete request:56, 57 ,58',
    });
  });

  it('reads the manual\'s "delete: [Request ID]" form as a request deletion', () => {
    expect(entry(recs[8] as Draft)).toMatchObject({ action: 'delete', resourceType: 'request', resourceIds: ['59', '60'], outcome: 'FAILED' });
  });

  it('splits keypair "platformA_keypairA" into platformId and keyName', () => {
    expect(entry(recs[9] as Draft)).toMatchObject({
      resourceIds: ['platformA_keypairA'],
      platformId: 'platformA',
      keyName: 'keypairA',
    });
  });

  it.each([
    [10, 'a_b_c'],
    [11, '_leading'],
    [12, 'trailing_'],
    [13, 'nounderscore'],
  ])('does not split an ambiguous keypair ID (line %i: %s)', (i, id) => {
    const rec = entry(recs[i] as Draft);
    expect(rec.resourceIds).toEqual([id]);
    expect(rec).not.toHaveProperty('platformId');
    expect(rec).not.toHaveProperty('keyName');
  });

  it('does not split request-like commas for other resource types', () => {
    expect(entry(utc(1, '2016/02/05 09:11:21.617\tu\tcreate user:a,b\tSUCCESS')).resourceIds).toEqual(['a,b']);
  });
});

describe('FSCSM parser: IDs and actors', () => {
  it.each([
    ['create user:山田太郎', ['山田太郎']],
    ['create project:proj-α', ['proj-α']],
    ['modify menu:メニュー😀', ['メニュー😀']],
    ['delete org:Øresund-ß', ['Øresund-ß']],
  ])('keeps a non-ASCII ID intact: %s', (operation, ids) => {
    for (const build of Object.values(FORMS)) {
      const rec = entry(utc(1, build('2016/02/06 09:00:00.000', '操作者', operation, 'SUCCESS')));
      expect(rec.resourceIds).toEqual(ids);
      expect(rec.actor).toBe('操作者');
      expect(rec.operation).toBe(operation);
    }
  });

  it('keeps an ID with inner blanks or a colon whole', () => {
    expect(entry(utc(1, '2016/02/06 09:00:00.000\top\tcreate user:John  Smith\tSUCCESS')).resourceIds).toEqual(['John  Smith']);
    expect(entry(utc(1, '2016/02/06 09:00:00.000\top\tcreate service:host:8080\tSUCCESS')).resourceIds).toEqual(['host:8080']);
  });

  it('reads an actor containing spaces in TAB form', () => {
    const rec = entry(utc(3, '2015/06/29 14:35:30.902\tJohn Q. Smith\tcreate user:op_user\tSUCCESS'));
    expect(rec.actor).toBe('John Q. Smith');
    expect(rec.resourceIds).toEqual(['op_user']);
  });

  it('gives an error (not a wrong entry) for an actor with spaces in space form, which is ambiguous', () => {
    const rec = failure(utc(3, '2015/06/29 14:35:30.902 John Smith create user:op_user SUCCESS'));
    expect(rec.reason).toBe('unrecognised operation "Smith create user:op_user"');
  });

  it('reads a line whose fields are mixed TAB and space separated', () => {
    const rec = entry(utc(1, '2015/06/29\t14:35:30.902 op\tcreate user:x  SUCCESS'));
    expect(rec).toMatchObject({ localTime: '2015-06-29T14:35:30.902', actor: 'op', resourceIds: ['x'], outcome: 'SUCCESS' });
  });

  it('reads a line with leading and trailing blanks (including a stray CR)', () => {
    const rec = entry(utc(1, '  2015/06/29 14:35:30.902 op create user:x SUCCESS \r'));
    expect(rec).toMatchObject({ actor: 'op', resourceIds: ['x'], operation: 'create user:x' });
  });
});

describe('FSCSM parser: error records', () => {
  const T = '2015/06/29 14:35:30.902';
  it.each([
    ['unknown action', `${T}\top\tlaunch user:x\tSUCCESS`, 'unknown action "launch"'],
    ['unknown resource type', `${T}\top\tcreate planet:x\tSUCCESS`, 'unknown resource type "planet"'],
    ['no resource type (not delete)', `${T}\top\tcreate: x\tSUCCESS`, 'unknown resource type ""'],
    ['missing ID', `${T}\top\tcreate user:\tSUCCESS`, 'missing resource ID in "create user:"'],
    ['missing ID (space form)', `${T} op create user: SUCCESS`, 'missing resource ID in "create user:"'],
    ['missing request IDs', `${T}\top\tdelete request: , ,\tSUCCESS`, 'missing resource ID in "delete request: , ,"'],
    ['missing request ID (manual form)', `${T}\top\tdelete:\tFAILED`, 'missing resource ID in "delete:"'],
    ['no colon', `${T}\top\tcreate user x\tSUCCESS`, 'unrecognised operation "create user x"'],
    ['bad outcome', `${T}\top\tcreate user:x\tDONE`, 'unknown outcome "DONE" (expected SUCCESS or FAILED)'],
    ['day 30 of February', `2015/02/30 14:35:30.902\top\tcreate user:x\tSUCCESS`, 'invalid day 30 for 2015/2'],
    ['29 February of a common year', `2015/02/29 00:00:00.000\top\tcreate user:x\tSUCCESS`, 'invalid day 29 for 2015/2'],
    ['29 February 1900 (not a leap year)', `1900/02/29 00:00:00.000\top\tcreate user:x\tSUCCESS`, 'invalid day 29 for 1900/2'],
    ['day 0', `2015/06/00 00:00:00.000\top\tcreate user:x\tSUCCESS`, 'invalid day 0 for 2015/6'],
    ['month 13', `2015/13/01 14:35:30.902\top\tcreate user:x\tSUCCESS`, 'invalid month 13'],
    ['month 0', `2015/00/01 14:35:30.902\top\tcreate user:x\tSUCCESS`, 'invalid month 0'],
    ['hour 25', `2015/06/29 25:00:00.000\top\tcreate user:x\tSUCCESS`, 'invalid time of day 25:00:00'],
    ['hour 24', `2015/06/29 24:00:00.000\top\tcreate user:x\tSUCCESS`, 'invalid time of day 24:00:00'],
    ['minute 60', `2015/06/29 12:60:00.000\top\tcreate user:x\tSUCCESS`, 'invalid time of day 12:60:00'],
    ['second 60', `2015/06/29 12:00:60.000\top\tcreate user:x\tSUCCESS`, 'invalid time of day 12:00:60'],
    ['13 PM', `2015/06/29 13:00:00 PM\top\tcreate user:x\tSUCCESS`, 'invalid 12-hour time: hour 13'],
    ['0 AM', `2015/06/29 0:00:00 AM\top\tcreate user:x\tSUCCESS`, 'invalid 12-hour time: hour 0'],
    [
      'dashed date',
      `2015-06-29 14:35:30.902\top\tcreate user:x\tSUCCESS`,
      'invalid time "2015-06-29 14:35:30.902" (expected yyyy/MM/dd HH:mm:ss.SSS)',
    ],
    ['garbage', 'this line is not an audit entry', 'unrecognised line layout: expected Time, Operator, Operation, SUCCESS|FAILED'],
    // Three TAB fields fall back to the space layout, where "user:x" is the last token.
    ['three TAB fields', `${T}\top\tcreate user:x`, 'unknown outcome "user:x" (expected SUCCESS or FAILED)'],
    ['only a time', T, 'unrecognised line layout: expected Time, Operator, Operation, SUCCESS|FAILED'],
    ['five TAB fields', `${T}\top\tcreate user:x\tSUCCESS\textra`, 'unknown outcome "extra" (expected SUCCESS or FAILED)'],
  ])('%s', (_name, line, reason) => {
    const rec = failure(utc(42, line));
    expect(rec).toStrictEqual({ line: 42, kind: 'error', reason, raw: line });
    expect(OutputRecordSchema.parse(withId(rec))).toMatchObject(rec);
  });

  it.each([
    ['2016/02/29 00:00:00.000', '2016-02-29T00:00:00.000'],
    ['2000/02/29 23:59:59.999', '2000-02-29T23:59:59.999'],
    ['2015/12/31 23:59:59.999', '2015-12-31T23:59:59.999'],
    ['2015/6/9 7:05:09.1', '2015-06-09T07:05:09.100'],
    ['2015/06/29 14:35:30', '2015-06-29T14:35:30.000'],
  ])('accepts the valid edge date %s', (time, localTime) => {
    expect(entry(utc(1, `${time}\top\tcreate user:x\tSUCCESS`)).localTime).toBe(localTime);
  });
});

describe('FSCSM parser: timestamps and time zones', () => {
  const line = (time: string) => `${time}\top\tcreate user:x\tSUCCESS`;
  const at = (zone: string, time: string) => entry(createFscsmParser({ timeZone: zone })(1, line(time)));

  it('writes timestamp as ISO UTC with milliseconds and Z, and localTime as the wall clock', () => {
    const rec = at('UTC', '2015/06/29 14:35:30.902');
    expect(rec.timestamp).toBe('2015-06-29T14:35:30.902Z');
    expect(rec.localTime).toBe('2015-06-29T14:35:30.902');
  });

  it('converts Asia/Tokyo (UTC+9) wall clock to UTC, across the date line', () => {
    expect(at('Asia/Tokyo', '2015/06/29 14:35:30.902')).toMatchObject({
      timestamp: '2015-06-29T05:35:30.902Z',
      localTime: '2015-06-29T14:35:30.902',
    });
    expect(at('Asia/Tokyo', '2016/01/01 08:59:59.999').timestamp).toBe('2015-12-31T23:59:59.999Z');
    expect(at('Asia/Tokyo', '2016/03/01 00:00:00.000').timestamp).toBe('2016-02-29T15:00:00.000Z');
  });

  it.each([
    // Spring forward 2021-03-14: 02:00 EST -> 03:00 EDT (07:00Z).
    ['2021/03/14 01:59:59.999', '2021-03-14T06:59:59.999Z'],
    ['2021/03/14 03:00:00.000', '2021-03-14T07:00:00.000Z'],
    ['2021/03/14 03:30:00.000', '2021-03-14T07:30:00.000Z'],
    // 02:30 does not exist: read with the offset before the gap (EST), i.e. as 03:30 EDT.
    ['2021/03/14 02:30:00.000', '2021-03-14T07:30:00.000Z'],
    // Fall back 2021-11-07: 02:00 EDT -> 01:00 EST (06:00Z); 01:00-01:59 happen twice.
    ['2021/11/07 00:59:59.999', '2021-11-07T04:59:59.999Z'],
    ['2021/11/07 01:30:00.000', '2021-11-07T05:30:00.000Z'], // the first occurrence (EDT)
    ['2021/11/07 02:00:00.000', '2021-11-07T07:00:00.000Z'],
    ['2021/07/04 12:00:00.000', '2021-07-04T16:00:00.000Z'],
    ['2021/01/04 12:00:00.000', '2021-01-04T17:00:00.000Z'],
  ])('converts America/New_York %s to %s', (time, timestamp) => {
    const rec = at('America/New_York', time);
    expect(rec.timestamp).toBe(timestamp);
    expect(rec.localTime).toBe(time.replace(/\//g, '-').replace(' ', 'T'));
  });

  it('gives the same result for a DST-edge time whatever was parsed before (deterministic)', () => {
    const times = [
      '2021/03/14 01:59:59.999',
      '2021/03/14 02:30:00.000',
      '2021/03/14 03:30:00.000',
      '2021/11/07 01:30:00.000',
      '2021/11/07 01:59:59.999',
      '2021/11/07 02:00:00.000',
      '1999/01/01 00:00:00.000',
    ];
    const alone = times.map((t) => at('America/New_York', t).timestamp);
    fc.assert(
      fc.property(fc.shuffledSubarray(times, { minLength: 1 }), fc.nat({ max: times.length - 1 }), (order, pick) => {
        const parser = createFscsmParser({ timeZone: 'America/New_York' });
        for (const t of order) parser(1, line(t));
        const t = times[pick] as string;
        expect(entry(parser(2, line(t))).timestamp).toBe(alone[pick]);
      }),
      { numRuns: 100 },
    );
  });

  it('handles years before 100 without mapping them to the 1900s', () => {
    expect(at('UTC', '0099/03/01 10:00:00.000').timestamp).toBe('0099-03-01T10:00:00.000Z');
    expect(at('UTC', '0000/02/29 00:00:00.000').timestamp).toBe('0000-02-29T00:00:00.000Z');
    expect(at('Asia/Tokyo', '0050/06/01 12:00:00.000').timestamp).toBe('0050-06-01T02:41:01.000Z'); // LMT +9:18:59
  });

  it('gives an error record for a time that falls outside years 0000-9999 once in UTC', () => {
    const rec = failure(createFscsmParser({ timeZone: 'America/New_York' })(5, line('9999/12/31 23:00:00.000')));
    expect(rec.reason).toBe('time 9999-12-31T23:00:00.000 is out of range once converted to UTC');
    expect(at('America/New_York', '9999/12/31 18:59:59.999').timestamp).toBe('9999-12-31T23:59:59.999Z');
  });

  it('rejects an unknown time zone when the parser is created', () => {
    expect(() => createFscsmParser({ timeZone: 'Mars/Base' })).toThrow(RangeError);
  });
});

describe('FSCSM parser: robustness', () => {
  /** Runs `fn` with a hard time limit: vm's watchdog interrupts even a backtracking regex. */
  function withDeadline<T>(ms: number, fn: () => T): T {
    return vm.runInNewContext('fn()', { fn }, { timeout: ms }) as T;
  }

  it('parses long lines with many blanks in linear time (no regex backtracking blow-up)', () => {
    const T = '2015/06/29 14:35:30.902';
    // Linear matching takes about a millisecond a line here; the quadratic and cubic
    // regexes this guards against took seconds to hours (and far more at the 1 MiB limit).
    const blanks = ' '.repeat(40_000);
    const lines = [
      `${T} actor create${blanks}x \u3000y`,
      `${T}${blanks}a${blanks}b${blanks}\u3000x`,
      `${T}\tactor\tcreate user:a${blanks}b\tSUCCESS`,
      `${T}\tactor\tcreate user:${blanks}\u2028x\tSUCCESS`,
      `${T} ${'a '.repeat(20_000)}\u3000x`,
      `${T}${' \t'.repeat(20_000)}a create user:x${' \t'.repeat(20_000)}\u3000`,
    ];
    const recs = lines.map((l, i) => withDeadline(500, () => utc(i + 1, l)));
    expect(recs.map((r) => (r.kind === 'error' ? r.reason.slice(0, 20) : r.kind))).toEqual([
      'unrecognised line la',
      'unrecognised line la',
      'entry',
      'unrecognised operati',
      'unrecognised line la',
      'unknown outcome "use',
    ]);
    expect(entry(recs[2] as Draft).resourceIds).toEqual([`a${blanks}b`]);
  });
});

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

const SHAPES: ReadonlyArray<{ action: Action; type: ResourceType }> = [
  ...CRUD_TYPES.flatMap((type) => (['create', 'modify', 'delete'] as const).map((action) => ({ action, type }))),
  { action: 'start', type: 'service' },
  { action: 'stop', type: 'service' },
  { action: 'create', type: 'snapshot' },
  { action: 'restore', type: 'snapshot' },
  { action: 'delete', type: 'snapshot' },
  { action: 'delete', type: 'request' },
  { action: 'create', type: 'keypair' },
  { action: 'delete', type: 'keypair' },
];

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}
function monthDays(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** IDs: any characters but white space and commas (the request ID separator). */
const idArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }).filter((s) => !/[\s,]/.test(s));
const asciiIdArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/);
const anyIdArb = fc.oneof(idArb, asciiIdArb);

const dateTimeArb = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    dayPick: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,3}$/), { nil: undefined }),
    clock: fc.constantFrom('24h', '24h-unpadded', '12h-ms-after', '12h-ms-before'),
    meridiemCase: fc.constantFrom('upper', 'lower'),
    dateTimeSep: fc.constantFrom(' ', '  '),
  })
  .map((d) => {
    const day = Math.min(d.dayPick, monthDays(d.year, d.month));
    const ms = d.fraction === undefined ? 0 : Number(d.fraction.padEnd(3, '0'));
    const frac = d.fraction === undefined ? '' : `.${d.fraction}`;
    let date = `${pad(d.year, 4)}/${pad(d.month)}/${pad(day)}`;
    let clock: string;
    const h12 = d.hour % 12 === 0 ? 12 : d.hour % 12;
    const mer = d.hour < 12 ? 'AM' : 'PM';
    const meridiem = d.meridiemCase === 'upper' ? mer : mer.toLowerCase();
    switch (d.clock) {
      case '24h':
        clock = `${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}${frac}`;
        break;
      case '24h-unpadded':
        date = `${pad(d.year, 4)}/${d.month}/${day}`;
        clock = `${d.hour}:${pad(d.minute)}:${pad(d.second)}${frac}`;
        break;
      case '12h-ms-after':
        clock = `${h12}:${pad(d.minute)}:${pad(d.second)} ${meridiem}${frac}`;
        break;
      default:
        clock = `${h12}:${pad(d.minute)}:${pad(d.second)}${frac} ${meridiem}`;
    }
    const localTime = `${pad(d.year, 4)}-${pad(d.month)}-${pad(day)}T${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}.${pad(ms, 3)}`;
    return { text: `${date}${d.dateTimeSep}${clock}`, localTime };
  });

const operationArb = fc
  .record({
    shape: fc.constantFrom(...SHAPES),
    id: anyIdArb,
    requestIds: fc.array(anyIdArb, { minLength: 1, maxLength: 4 }),
    requestForm: fc.constantFrom('delete:', 'delete request:'),
    commaSep: fc.constantFrom(',', ', ', ' ,'),
    keypair: fc.option(fc.tuple(anyIdArb, anyIdArb), { nil: undefined }),
    afterColon: fc.constantFrom('', ' ', '  '),
    upper: fc.boolean(),
  })
  .map((o) => {
    const { action, type } = o.shape;
    if (type === 'request') {
      const head = o.requestForm === 'delete:' ? 'delete:' : 'delete request:';
      return {
        text: `${o.upper ? head.toUpperCase() : head}${o.afterColon}${o.requestIds.join(o.commaSep)}`,
        action,
        type,
        ids: o.requestIds,
      };
    }
    const id = type === 'keypair' && o.keypair ? `${o.keypair[0]}_${o.keypair[1]}` : o.id;
    const words = `${action} ${type}`;
    return { text: `${o.upper ? words.toUpperCase() : words}:${o.afterColon}${id}`, action, type, ids: [id] };
  });

/** The manual's rule, restated: split "[Platform ID]_[Key Pair Name]" only on a single inner underscore. */
function expectedKeypair(id: string): { platformId: string; keyName: string } | undefined {
  const parts = id.split('_');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== '' ? { platformId: parts[0] as string, keyName: parts[1] as string } : undefined;
}

const MERIDIEM_LIKE = /^[AaPp][Mm](\.\d{1,3})?$/;

const entryArb = fc
  .record({
    time: dateTimeArb,
    op: operationArb,
    actorTokens: fc.array(anyIdArb, { minLength: 1, maxLength: 3 }),
    outcome: fc.constantFrom('SUCCESS', 'FAILED', 'success', 'Failed'),
    layout: fc.constantFrom('tab', 'space', 'mixed'),
    seps: fc.array(fc.constantFrom('\t', '\t\t', '\t\t\t', ' ', '  ', '   ', ' \t', '\t '), { minLength: 3, maxLength: 3 }),
    trailing: fc.constantFrom('', '\t', ' ', '  '),
    no: fc.integer({ min: 1, max: 10_000_000 }),
  })
  .filter((e) => e.layout === 'tab' || !MERIDIEM_LIKE.test(e.actorTokens[0] as string))
  .map((e) => {
    // In TAB layout the actor may contain spaces; otherwise it is one token (the manual's IDs).
    const actor = e.layout === 'tab' ? e.actorTokens.join(' ') : (e.actorTokens[0] as string);
    const seps =
      e.layout === 'tab'
        ? e.seps.map((s) => s.replace(/ /g, '') || '\t')
        : e.layout === 'space'
          ? e.seps.map((s) => s.replace(/\t/g, '') || ' ')
          : e.seps;
    const line = `${e.time.text}${seps[0]}${actor}${seps[1]}${e.op.text}${seps[2]}${e.outcome}${e.trailing}`;
    return { ...e, actor, line };
  });

describe('FSCSM parser: properties', () => {
  it('parses any generated valid entry back to the fields it was built from', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const rec = utc(e.no, e.line);
        const expected: Draft<EntryRecord> = {
          line: e.no,
          kind: 'entry',
          timestamp: `${e.time.localTime}Z`,
          localTime: e.time.localTime,
          actor: e.actor,
          action: e.op.action,
          resourceType: e.op.type,
          resourceIds: e.op.ids,
          outcome: e.outcome.toUpperCase() as 'SUCCESS' | 'FAILED',
          operation: e.op.text,
          ...(e.op.type === 'keypair' ? expectedKeypair(e.op.ids[0] as string) : undefined),
        };
        expect(rec).toStrictEqual(expected);
        expect(OutputRecordSchema.parse(withId(rec))).toMatchObject(rec);
      }),
      { numRuns: 1500 },
    );
  });

  const fragments = fc.constantFrom(
    '2015/06/29',
    '9999/12/31',
    '0000/01/01',
    ' ',
    '\t',
    '\t\t',
    '14:35:30.902',
    '4:19:18',
    ' PM',
    '.382',
    'AM',
    'create',
    'delete',
    ' user',
    ' keypair',
    ' request',
    ':',
    ': ',
    'x',
    'a_b',
    ',',
    '56,57',
    'SUCCESS',
    'FAILED',
    '\r',
    '\u3000',
    '\uFEFF',
    '\u2028',
    'é',
    '😀',
    '\uD800',
    '',
  );
  const arbitraryLine = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.array(fragments, { maxLength: 30 }).map((parts) => parts.join('')),
    entryArb.chain((e) =>
      fc.nat({ max: e.line.length }).chain((cut) => fc.string({ maxLength: 4 }).map((junk) => e.line.slice(0, cut) + junk + e.line.slice(cut))),
    ),
  );
  const zoneArb = fc.constantFrom('UTC', 'Asia/Tokyo', 'America/New_York', 'Australia/Lord_Howe');
  const parsers = new Map<string, ReturnType<typeof createFscsmParser>>();
  const parserFor = (zone: string) => {
    let p = parsers.get(zone);
    if (!p) parsers.set(zone, (p = createFscsmParser({ timeZone: zone })));
    return p;
  };

  it('turns any string into exactly one valid record with the same line number, never throwing', () => {
    fc.assert(
      fc.property(arbitraryLine, fc.integer({ min: 1, max: 2 ** 31 }), zoneArb, (text, no, zone) => {
        const rec = parserFor(zone)(no, text);
        expect(Array.isArray(rec)).toBe(false);
        expect(rec.line).toBe(no);
        expect(['entry', 'error']).toContain(rec.kind);
        expect(OutputRecordSchema.parse(withId(rec))).toMatchObject(rec);
        if (rec.kind === 'error') {
          expect(rec.raw).toBe(text);
          expect(rec.reason.length).toBeGreaterThan(0);
        } else {
          expect(text).toContain(rec.operation);
          expect(text).toContain(rec.actor);
          for (const id of rec.resourceIds) expect(text).toContain(id);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
