// The byte path through shippers' JSON records writes exactly what the shipper stage writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createShippedReader } from '../../../lib/formats/shipped';
import { serialize } from '../../../lib/json-lines';
import { DEFAULT_PARSE_OPTIONS, parseObject } from '../../../lib/pipeline';
import { RecordIds } from '../../../lib/record-id';
import { chunks, jsonOfRun } from '../../support/pipeline-run';

/** What the shipper stage alone (no byte path) writes for a one-line chunk. */
function general(line: string, envelopeField?: string): string {
  const out = createShippedReader({ timeZone: 'UTC', envelopeField }, { envelopes: {}, formats: {} }).line(1, line);
  return typeof out === 'string' ? '' : serialize(new RecordIds().assign(out)) + '\n';
}
const output = async (line: string, envelopeField?: string) =>
  jsonOfRun(await parseObject(chunks(Buffer.from(`${line}\n`)), { ...DEFAULT_PARSE_OPTIONS, envelopeField }));

describe('the envelope byte path', () => {
  it('writes Fluent Bit and Vector records around canonical lines as the shipper stage does', async () => {
    const line = '2015/06/29 14:35:30.902\tfscsm_user\tcreate user:op_user\tSUCCESS';
    for (const rec of [
      { date: '2015-06-29T05:35:31.152000Z', log: line },
      { date: 1435556131.152, log: line },
      { date: 1435556131, file: '/srv/logs/fscsm/fscsm_audit.log', log: line },
      { file: 'C:\\Fujitsu\\FSCSM\\log\\fscsm_audit.log', host: 'CSM-MGR01', message: `${line}\r`, source_type: 'file', timestamp: '2015-06-29T05:35:31.152000417Z' },
    ]) {
      const text = JSON.stringify(rec);
      // Taken by the byte path: no record object built (only FAILED lines and errors are).
      const parsed = await parseObject(chunks(Buffer.from(`${text}\n`)), DEFAULT_PARSE_OPTIONS);
      for await (const batch of parsed.batches) expect(batch.records).toEqual([]);
      expect(parsed.contents).toEqual({ envelopes: { [rec.log ? 'json:log' : 'json:message']: 1 }, formats: { fscsm: 1 } });
      const written = await output(text);
      expect(written).toBe(general(text));
      expect(JSON.parse(written)).toMatchObject({ kind: 'entry', outcome: 'SUCCESS', shipper: expect.any(Object) as unknown });
    }
  });

  it('matches the shipper stage byte for byte on any flat record, escape and inner line', async () => {
    const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 8 });
    const inner = fc
      .tuple(fc.constantFrom('2015/06/29 14:35:30.902', '2015/06/29 4:35:30 PM.902', '2016/02/30 10:00:00.000'), ascii, fc.constantFrom('create user:u1', 'delete: 5, 6', 'create keypair:p_k', 'start service:x'), fc.constantFrom('SUCCESS', 'FAILED', 'SUCCESS\r', ''))
      .map(([t, actor, op, outcome]) => `${t}\t${actor === '' ? 'a' : actor}\t${op}\t${outcome}`);
    const value = fc.oneof(ascii, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant('C:\\x\\y'), fc.constant('é/ü'));
    const record = fc.record(
      {
        date: value,
        timestamp: value,
        host: value,
        file: value,
        source_type: fc.constant('file'),
        log: inner,
        message: inner,
        other: value,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(record, fc.boolean(), fc.constantFrom(undefined, 'message'), async (rec, slashes, field) => {
        let text = JSON.stringify(rec);
        if (slashes) text = text.replace(/\//g, '\\/');
        expect(await output(text, field)).toBe(general(text, field));
      }),
      { numRuns: 1500 },
    );
  });
});
