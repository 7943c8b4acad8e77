// Issue 17 end to end: objects as log shippers put them in the container (gzip fluentd
// out_file around a keystone log, gzip Fluent Bit json_lines around FSCSM lines), uploaded to
// the store named by STORE (s3rver by default; swift through `npm run test:stores -- swift`).
// The records, counts and contents must be those annotated in the fixtures' expected.json,
// and the real HTTP receiver must be told of every FAILED event exactly once.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countsReconcile, type EntryRecord } from '../../lib/records';
import { ROOT } from '../../scripts/local-stack';
import { startReceiver, type Receiver } from '../support/http-receiver';
import { alertedLines, ingested, put, until } from '../support/ingested';
import { startTarget, storeName, type StoreTarget } from '../support/store-targets';

const DIR = join(ROOT, 'test/fixtures/shippers');
interface Expected {
  records: number;
  events: { outcome: string; line: number; eventId?: string }[];
  otherLines: number;
  damagedLines: { line: number }[];
  blankLines: number;
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
/** Keys unique to this run: a store kept between runs still holds the last run's outputs. */
const RUN = Date.now().toString(36);

const DELIVERIES = [
  {
    fixture: 'fluentd-out-file-fluentbit-keystone.log',
    // fluent-plugin-s3 / fluent-plugin-swift: path logs/${tag}/%Y/%m/%d/, store_as gzip,
    // s3_object_key_format %{path}%{time_slice}_%{hex_random}_%{index}.log.gz
    key: `logs/openstack.keystone/2026/08/20/20260820_${RUN}_0.log.gz`,
    format: 'cadf',
    envelope: 'fluentd:log',
    inner: 'cadf (oslo.log)',
    shipper: { tag: 'openstack.keystone' },
  },
  {
    fixture: 'fluentbit-s3-fscsm.jsonl',
    // Fluent Bit s3 output: compression gzip, s3_key_format /fscsm/$TAG/%Y/%m/%d/%H_%M_%S_$UUID.jsonl.gz
    key: `fscsm/fscsm.audit/2015/06/29/05_40_00_${RUN}.jsonl.gz`,
    format: 'fscsm',
    envelope: 'json:log',
    inner: 'fscsm',
    shipper: { time: '2015-06-29T05:35:31.152000Z' },
  },
] as const;

let target: StoreTarget;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  target = await startTarget(storeName(), { webhookUrl: receiver.url });
});

afterAll(async () => {
  await target?.stop();
  await receiver?.close();
});

describe(`shipped objects uploaded to ${storeName()}`, () => {
  it.each(DELIVERIES)('$fixture (gzip) as $key: records, counts, contents as annotated, one alert line per FAILED event', async (d) => {
    const exp = EXPECTED[d.fixture];
    if (exp === undefined) throw new Error(`${d.fixture} is not in expected.json`);
    const body = readFileSync(join(DIR, `${d.fixture}.gz`));
    await put(target, d.key, body);
    const { summary, records } = await ingested(target, d.key);

    expect(summary.source).toMatchObject({ key: d.key, size: body.length });
    expect(summary).toMatchObject({ format: d.format, formatDetected: true, compression: 'gzip' });
    const failed = exp.events.filter((e) => e.outcome === 'FAILED' || e.outcome === 'failure');
    expect(summary.counts).toMatchObject({
      totalLines: exp.records,
      blankLines: exp.blankLines,
      parsed: exp.events.length,
      errors: exp.damagedLines.length,
      failedOperations: failed.length,
    });
    expect(summary.counts.otherLines ?? 0).toBe(exp.otherLines);
    expect(countsReconcile(summary.counts)).toBe(true);
    // Every line of the object went through the one envelope; the audit ones (good or
    // damaged) read as the inner format, the rest are other lines and blanks.
    expect(summary.contents?.envelopes).toEqual({ [d.envelope]: exp.records });
    expect(summary.contents?.formats[d.inner]).toBe(exp.events.length + exp.damagedLines.length);
    expect(Object.values(summary.contents?.formats ?? {}).reduce((a, b) => a + b, 0)).toBe(exp.records);

    const entries = records.filter((r): r is EntryRecord => r.kind === 'entry');
    expect(entries.map((e) => e.line)).toEqual(exp.events.map((e) => e.line));
    expect(records.filter((r) => r.kind === 'error').map((r) => r.line)).toEqual(exp.damagedLines.map((l) => l.line));
    expect(entries.every((e) => e.shipper !== undefined && e.id.length > 0)).toBe(true);
    expect(entries[0]?.shipper).toMatchObject(d.shipper);
    if (d.format === 'cadf') expect(entries.map((e) => e.eventId)).toEqual(exp.events.map((e) => e.eventId));

    // One alert per batch, listing each FAILED event once: no event missing, none twice.
    const wanted = failed.map((e) => e.line);
    await until(() => alertedLines(receiver, d.key).length >= wanted.length);
    await new Promise((r) => setTimeout(r, 1500));
    expect(alertedLines(receiver, d.key).sort((a, b) => a - b)).toEqual(wanted);
  });
});
