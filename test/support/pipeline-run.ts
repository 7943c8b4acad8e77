// Runs the read path over bytes split into chunks, as a network stream delivers them, and
// checks the invariants every run must keep.

import { expect } from 'vitest';
import { DEFAULT_PARSE_OPTIONS, parseObject, type ParseOptions, type ParsedObject } from '../../lib/pipeline';
import { serialize } from '../../lib/json-lines';
import { countsReconcile, OutputRecordSchema, type OutputRecord } from '../../lib/records';

export async function* chunks(data: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) {
    await Promise.resolve();
    yield data.subarray(i, i + size);
  }
}

export interface Run {
  parsed: ParsedObject;
  records: OutputRecord[];
  batches: number;
}

export async function run(data: Buffer | AsyncIterable<Uint8Array>, options: Partial<ParseOptions> = {}, chunkSize?: number): Promise<Run> {
  const source = Buffer.isBuffer(data) ? chunks(data, chunkSize) : data;
  const parsed = await parseObject(source, { ...DEFAULT_PARSE_OPTIONS, ...options });
  const records: OutputRecord[] = [];
  let batches = 0;
  for await (const batch of parsed.batches) {
    expect(batch.json.length).toBeGreaterThan(0);
    batches += 1;
    const written = recordsOfJson(batch.json);
    // The records kept as objects are written ones, in order, and include every error and
    // every entry that is not SUCCESS (what notify acts on).
    const lines = batch.json.toString('utf8').split('\n');
    let j = 0;
    for (const rec of batch.records) {
      const text = serialize(rec);
      while (j < lines.length && lines[j] !== text) j += 1;
      expect(j, `record of line ${rec.line} is written`).toBeLessThan(lines.length);
      j += 1;
    }
    const notable = (rs: OutputRecord[]) => rs.filter((r) => r.kind === 'error' || r.outcome !== 'SUCCESS').length;
    expect(notable(batch.records)).toBe(notable(written));
    records.push(...written);
  }
  return { parsed, records, batches };
}

/** Parses JSON Lines back: every line one record, the buffer ending in a newline. */
export function recordsOfJson(json: Buffer): OutputRecord[] {
  const text = json.toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as OutputRecord);
}

/** The whole JSON Lines output of a parse. */
export async function jsonOfRun(parsed: ParsedObject): Promise<string> {
  let text = '';
  for await (const batch of parsed.batches) text += batch.json.toString('utf8');
  return text;
}

/** Counts reconcile with the records, lines never go back, records fit the schema. */
export function expectConsistent({ parsed, records }: Run): void {
  const { counts } = parsed;
  expect(countsReconcile(counts)).toBe(true);
  expect(counts.parsed).toBe(records.filter((r) => r.kind === 'entry').length);
  expect(counts.errors).toBe(records.filter((r) => r.kind === 'error').length);
  expect(counts.failedOperations).toBe(records.filter((r) => r.kind === 'entry' && r.outcome === 'FAILED').length);
  expect(counts.pendingOperations).toBe(records.filter((r) => r.kind === 'entry' && r.outcome === 'PENDING').length);
  expect(counts.totalLines).toBe(counts.blankLines + records.length + (counts.otherLines ?? 0));
  const lines = records.map((r) => r.line);
  expect(lines).toEqual([...lines].sort((a, b) => a - b));
  expect(records.map((r) => OutputRecordSchema.parse(r))).toStrictEqual(records);
}
