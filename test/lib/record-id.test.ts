// The id rules (lib/record-id.ts): an event's id depends on the event, never on the object,
// the line number, the line ending, the layout it was copied in, the compression or the
// chunking of the stream; identical lines in one chunk are told apart.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ID_WINDOW_LINES } from '../../lib/record-id';
import { OutputRecordSchema, type OutputRecord } from '../../lib/records';
import { DEFAULT_PARSE_OPTIONS, parseObject } from '../../lib/pipeline';
import { chunks, recordsOfJson, run } from '../support/pipeline-run';

const fscsm = (name: string): Buffer => readFileSync(new URL(`../fixtures/fscsm/${name}`, import.meta.url));
const cadf = (name: string): Buffer => readFileSync(new URL(`../fixtures/cadf/${name}`, import.meta.url));
const ids = async (data: Buffer, chunkSize?: number): Promise<string[]> => (await run(data, {}, chunkSize)).records.map((r) => r.id);
const byLine = (records: OutputRecord[]) => new Map(records.map((r) => [r.line, r.id]));

const A = '2015/06/29 14:38:18.230\tfscsm_user\tcreate user:op_manager\tFAILED';
const B = '2015/06/29 14:35:30.902\tfscsm_user\tcreate user:op_user\tSUCCESS';

describe('record ids', () => {
  it('are 32 hex digits on every entry and error record, and valid by the published schema', async () => {
    const r = await run(fscsm('crlf-bom.log'));
    expect(r.records.some((x) => x.kind === 'error')).toBe(true);
    for (const rec of r.records) {
      expect(rec.id).toMatch(/^[0-9a-f]{32}$/);
      OutputRecordSchema.parse(rec);
    }
  });

  it('give the same event the same id in two objects, wherever its line is', async () => {
    const [first] = await ids(Buffer.from(`${A}\n`));
    const later = await ids(Buffer.from(`${B}\n\n${B.replace('op_user', 'x')}\n${A}\n`));
    expect(later[2]).toBe(first);
    expect(new Set(later).size).toBe(3);
  });

  it('give two identical lines in one chunk two ids, the same ones however often the chunk is read', async () => {
    const twice = await ids(Buffer.from(`${A}\n${B}\n${A}\n`));
    expect(twice[0]).not.toBe(twice[2]);
    // The file grew and was uploaded again, then rolled over under another name: the same ids.
    const grown = await ids(Buffer.from(`${A}\n${B}\n${A}\n${A}\n`));
    expect(grown.slice(0, 3)).toEqual(twice);
    expect(new Set(grown).size).toBe(4);
  });

  it('agree for CRLF and LF copies, TAB and space copies, 12- and 24-hour copies, and a gzip copy', async () => {
    const tab = await ids(fscsm('sample-tab.log'));
    expect(await ids(Buffer.from(fscsm('sample-tab.log').toString('latin1').replace(/\n/g, '\r\n'), 'latin1'))).toEqual(tab);
    expect(await ids(fscsm('seed-sample.log'))).toEqual(tab);
    expect(await ids(gzipSync(fscsm('sample-tab.log')))).toEqual(tab);
    // A SUCCESS line on the byte path and its space-separated copy on the general parser.
    const [pm] = await ids(Buffer.from('2015/06/29 4:19:18 PM.382 biz_manager_002 create bizsystem:3 SUCCESS\n'));
    expect(pm).toBe(tab[10]);
  });

  it('do not depend on how the stream is cut into chunks', async () => {
    const data = fscsm('irregular.log');
    const whole = await ids(data);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), async (size) => {
        expect(await ids(data, size)).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('count identical lines within a bounded window: beyond it a copy is taken for a re-sent one', async () => {
    const filler = Array.from({ length: 2 * ID_WINDOW_LINES + 2 }, (_, i) => `2015/06/29 14:35:30.902\tu\tcreate user:f${i}\tSUCCESS`);
    const r = await run(Buffer.from([A, A, ...filler, A].join('\n') + '\n'));
    const last = r.records[r.records.length - 1] as OutputRecord;
    expect(r.records[0]?.id).not.toBe(r.records[1]?.id);
    expect(last.id).toBe(r.records[0]?.id);
  });

  it('count a copy by the copies in its window alone, so a run resumed mid-chunk numbers it as one run does', async () => {
    // A in every block: a count carried from block to block would reach further back than a resumed run reads again.
    const lines = Array.from({ length: 5 * ID_WINDOW_LINES }, (_, i) => (i % ID_WINDOW_LINES === 100 ? A : `2015/06/29 14:35:30.902\tu\tcreate user:f${i}\tSUCCESS`));
    const data = Buffer.from(lines.join('\n') + '\n');
    const whole = byLine((await run(data)).records);
    const emitted = 4 * ID_WINDOW_LINES + 10;
    const parsed = await parseObject(chunks(data), DEFAULT_PARSE_OPTIONS, { resume: { offset: 0, line: emitted, format: 'fscsm' } });
    const resumed: OutputRecord[] = [];
    for await (const batch of parsed.batches) resumed.push(...recordsOfJson(batch.json));
    expect(resumed[0]?.line).toBe(emitted + 1);
    const last = 4 * ID_WINDOW_LINES + 101;
    expect(resumed.find((r) => r.line === last)?.id).toBe(whole.get(last));
    for (const r of resumed) expect(r.id, `line ${r.line}`).toBe(whole.get(r.line));
  });

  it('follow the CADF event id and outcome, whatever the layout: request and response differ', async () => {
    const lines = await run(cadf('keystonemiddleware-nova.jsonl'));
    const [request, response] = lines.records;
    expect(request?.id).not.toBe(response?.id);
    // The same events as one JSON array, one pretty-printed document each, and with repeats.
    const events = cadf('keystonemiddleware-nova.jsonl').toString('utf8').trim().split('\n');
    const asArray = await run(Buffer.from(`[\n${events.join(',\n')}\n]\n`));
    const asDocuments = await run(Buffer.from(events.map((e) => JSON.stringify(JSON.parse(e), null, 2)).join('\n')));
    const repeated = await run(Buffer.from(`${events.join('\n')}\n${events.join('\n')}\n`));
    const expected = lines.records.map((r) => r.id);
    expect(asArray.records.map((r) => r.id)).toEqual(expected);
    expect(asDocuments.records.map((r) => r.id)).toEqual(expected);
    // An event re-sent in the same chunk is the same event (its id says so), unlike a repeated FSCSM line.
    expect(repeated.records.map((r) => r.id)).toEqual([...expected, ...expected]);
  });

  it('tell damaged lines apart by their evidence, and keep a damaged line the same id across objects', async () => {
    const bad = 'not an audit line';
    const one = byLine((await run(Buffer.from(`${B}\n${bad}\n`))).records);
    const other = byLine((await run(Buffer.from(`${bad}\nanother bad one\n`))).records);
    expect(other.get(1)).toBe(one.get(2));
    expect(other.get(2)).not.toBe(one.get(2));
  });
});
