// The FSCSM byte fast path on its own: what it takes, what it declines, and that it stays
// inside the room it reserves however long a line's IDs are.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFscsmParser } from '../../../lib/formats/fscsm';
import { createFscsmByteEncoder } from '../../../lib/formats/fscsm-bytes';
import { JsonLinesWriter, serialize } from '../../../lib/json-lines';
import { RecordIds } from '../../../lib/record-id';

// Each path with its own id state, fed the same lines in the same order (as the pipeline's one state would be).
const encode = createFscsmByteEncoder({ timeZone: 'UTC', ids: new RecordIds() });
const parse = createFscsmParser({ timeZone: 'UTC' });
const generalIds = new RecordIds();
const general = (no: number, text: string): string => serialize(generalIds.assign(parse(no, text)));
const line = (op: string, outcome = 'SUCCESS') => Buffer.from(`2015/06/29 14:35:30.902\tu\t${op}\t${outcome}`);

describe('createFscsmByteEncoder', () => {
  it('writes a canonical SUCCESS line as the general parser JSON and declines FAILED and other layouts', () => {
    const w = new JsonLinesWriter();
    const ok = line('create user:u1');
    expect(encode(ok, 0, ok.length, 7, w)).toBe(true);
    expect(w.take().toString()).toBe(general(7, ok.toString()) + '\n');
    for (const declined of [line('create user:u1', 'FAILED'), Buffer.from('2015/06/29 14:35:30.902 u create user:u1 SUCCESS'), line('Create user:u1'), line('create user:é')]) {
      expect(encode(declined, 0, declined.length, 1, w)).toBe(false);
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
          expect(encode(bytes, 0, bytes.length, 1, w)).toBe(true);
          expect(w.take().toString()).toBe(general(1, bytes.toString()) + '\n');
        },
      ),
      { numRuns: 300 },
    );
  });
});
