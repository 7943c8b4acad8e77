// Runs the read path over bytes split into chunks, as a network stream delivers them, and
// checks the invariants every run must keep.

import { expect } from 'vitest';
import { DEFAULT_PARSE_OPTIONS, parseObject, type ParseOptions, type ParsedObject } from '../../lib/pipeline';
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
    expect(batch.length).toBeGreaterThan(0);
    batches += 1;
    records.push(...batch);
  }
  return { parsed, records, batches };
}

/** Counts reconcile with the records, lines never go back, records fit the schema. */
export function expectConsistent({ parsed, records }: Run): void {
  const { counts } = parsed;
  expect(countsReconcile(counts)).toBe(true);
  expect(counts.parsed).toBe(records.filter((r) => r.kind === 'entry').length);
  expect(counts.errors).toBe(records.filter((r) => r.kind === 'error').length);
  expect(counts.failedOperations).toBe(records.filter((r) => r.kind === 'entry' && r.outcome === 'FAILED').length);
  expect(counts.pendingOperations).toBe(records.filter((r) => r.kind === 'entry' && r.outcome === 'PENDING').length);
  expect(counts.totalLines).toBe(counts.blankLines + records.length);
  const lines = records.map((r) => r.line);
  expect(lines).toEqual([...lines].sort((a, b) => a - b));
  expect(records.map((r) => OutputRecordSchema.parse(r))).toStrictEqual(records);
}
