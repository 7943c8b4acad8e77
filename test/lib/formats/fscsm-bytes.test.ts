// The FSCSM byte fast path on its own: what it takes (FAILED lines and the manual's other
// layouts too), what it declines, and that it stays inside the room it reserves however
// long a line's IDs are.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFscsmParser } from '../../../lib/formats/fscsm';
import { createFscsmByteEncoder, DECLINED, WROTE_FAILED, WROTE_SUCCESS } from '../../../lib/formats/fscsm-bytes';
import { JsonLinesWriter, serialize } from '../../../lib/json-lines';
import { RecordIds } from '../../../lib/record-id';

// Each path with its own id state, fed the same lines in the same order (as the pipeline's one state would be).
const encode = createFscsmByteEncoder({ timeZone: 'UTC', ids: new RecordIds() });
const parse = createFscsmParser({ timeZone: 'UTC' });
const generalIds = new RecordIds();
const general = (no: number, text: string): string => serialize(generalIds.assign(parse(no, text)));
const line = (op: string, outcome = 'SUCCESS') => Buffer.from(`2015/06/29 14:35:30.902\tu\t${op}\t${outcome}`);

describe('createFscsmByteEncoder', () => {
  it('writes canonical SUCCESS and FAILED lines as the general parser JSON, and says which it wrote', () => {
    const w = new JsonLinesWriter();
    const ok = line('create user:u1');
    expect(encode(ok, 0, ok.length, 7, w)).toBe(WROTE_SUCCESS);
    expect(w.take().toString()).toBe(general(7, ok.toString()) + '\n');
    const failed = line('create user:u1', 'FAILED');
    expect(encode(failed, 0, failed.length, 8, w)).toBe(WROTE_FAILED);
    expect(w.take().toString()).toBe(general(8, failed.toString()) + '\n');
  });

  it("takes the manual's other layouts on the byte path, with the general parser's JSON and id", () => {
    // The seed's own irregular lines, its space-separated copy, and the shapes real files show.
    const layouts = [
      '2015/06/29 4:19:18 PM.382\tbiz_manager_002\tcreate bizsystem:3\tSUCCESS',
      '2015/06/29 4:19:18.382 PM\tbiz_manager_002\tcreate bizsystem:3\tFAILED',
      '2015/06/29 12:05:00 am\tu\tcreate user:a\tSUCCESS',
      '2015/6/9 4:19:18\tu\tcreate user:a\tSUCCESS',
      '2015/06/29 14:38:18.23\tu\tcreate user:a\tSUCCESS',
      '2015/06/29 14:38:18.230 fscsm_user create user:op_manager FAILED',
      '2015/06/29 15:29:43.361 op_manager create org: org_01 SUCCESS',
      '2016/02/05 09:11:21.617  fscsm_request  delete request:56, 57,58   SUCCESS  ',
      '2015/06/29 4:19:18 PM.382 biz_manager_002 create bizsystem:3 SUCCESS',
      '2015/06/29 14:35:30.902\t\top_manager \t delete: 12,13\tsuccess\t',
      '2015/06/29 14:35:30.902 \tJohn Smith\tcreate org: ID 7\tFailed \t\t ',
    ];
    for (const [i, text] of layouts.entries()) {
      const bytes = Buffer.from(text);
      const w = new JsonLinesWriter();
      expect(encode(bytes, 0, bytes.length, i + 1, w), text).not.toBe(DECLINED);
      expect(w.take().toString(), text).toBe(general(i + 1, text) + '\n');
    }
  });

  it('declines what is not its to read, writing nothing', () => {
    const w = new JsonLinesWriter();
    const declined = [
      line('create user:u1', 'OK'),
      line('Create user:u1'),
      line('create user:é'),
      Buffer.from('2015/06/29 14:35:30 PMx u create user:a SUCCESS'), // AM/PM or part of a token: the regex decides
      Buffer.from('2015/06/29 13:35:30 PM\tu\tcreate user:a\tSUCCESS'), // no 13 PM: the general parser words the error
      Buffer.from('2015/06/29 1:35:30.5 PM.7\tu\tcreate user:a\tSUCCESS'), // two fractions
      Buffer.from('2015/06/29\t14:35:30.902\tu\tcreate user:a\tSUCCESS'), // five TAB fields
      Buffer.from('2015/06/29 14:35:30.902\tu\t \tcreate user:a\tSUCCESS'),
      Buffer.from(' 2015/06/29 14:35:30.902\tu\tcreate user:a\tSUCCESS'),
      Buffer.from('2015/06/29 14:35:30.902 u SUCCESS'),
      Buffer.from('2015/06/29 14:35:30.902\tu\tcreate user:a\tSUCCESS\t \t'),
    ];
    for (const bytes of declined) {
      expect(encode(bytes, 0, bytes.length, 1, w), bytes.toString()).toBe(DECLINED);
      expect(w.length).toBe(0);
    }
  });

  it('stays within the room it reserves, even for long keypair and request IDs written into a nearly full buffer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('keypair', 'request'),
        fc.integer({ min: 1, max: 1500 }),
        fc.integer({ min: 0, max: 4000 }),
        (type, n, capacity) => {
          const id = type === 'keypair' ? `p_${'k'.repeat(n)}` : Array.from({ length: n }, (_, i) => String(i % 10)).join(',');
          const bytes = line(`delete ${type}:${id}`);
          const w = new JsonLinesWriter(capacity + 1);
          expect(encode(bytes, 0, bytes.length, 1, w)).toBe(WROTE_SUCCESS);
          expect(w.take().toString()).toBe(general(1, bytes.toString()) + '\n');
        },
      ),
      { numRuns: 300 },
    );
  });
});
