// What a chunk, a part handed on and an alert's outcome count as metrics.
import { describe, expect, it } from 'vitest';
import { alertMetrics, chunkMetrics, METRIC, observationMetrics, rejectedPayloadMetrics } from '../../lib/metrics';
import { SCHEMA_VERSION, type Summary } from '../../lib/records';

const summary = (counts: Partial<Summary['counts']> = {}, extra: Partial<Summary> = {}): Summary => ({
  schemaVersion: SCHEMA_VERSION,
  source: { bucket: 'b', key: 'k.log', etag: 'e', size: 1514 },
  outputs: { records: 'k.log.jsonl' },
  format: 'cadf',
  formatDetected: true,
  compression: 'none',
  timeZone: 'UTC',
  counts: { totalLines: 30, blankLines: 2, parsed: 25, errors: 3, failedOperations: 4, newFailedOperations: 1, pendingOperations: 0, ...counts },
  timing: { startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.250Z', durationMs: 1250 },
  ...extra,
});

describe('chunkMetrics', () => {
  it('counts a chunk, its bytes, records (entries + errors), error records, FAILED and new FAILED operations, and its duration, by format', () => {
    expect(chunkMetrics(summary())).toEqual({
      format: 'cadf',
      values: [
        { name: 'ChunksIngested', unit: 'Count', value: 1 },
        { name: 'BytesRead', unit: 'Bytes', value: 1514 },
        { name: 'Records', unit: 'Count', value: 28 },
        { name: 'ErrorRecords', unit: 'Count', value: 3 },
        { name: 'FailedOperations', unit: 'Count', value: 4 },
        { name: 'NewFailedOperations', unit: 'Count', value: 1 },
        { name: 'IngestDuration', unit: 'Milliseconds', value: 1250 },
      ],
    });
  });

  it('sends zeros (the ratio alarm needs every chunk), but no NewFailedOperations where events are not claimed and no BytesRead of unknown size', () => {
    const sweep = summary({ errors: 0, failedOperations: 0 }, { source: { bucket: 'b', key: 'k' } });
    delete sweep.counts.newFailedOperations;
    const set = chunkMetrics(sweep);
    const names = set.values.map((v) => v.name);
    expect(names).not.toContain(METRIC.newFailedOperations);
    expect(names).not.toContain(METRIC.bytesRead);
    expect(set.values.find((v) => v.name === METRIC.errorRecords)?.value).toBe(0);
  });
});

describe('observationMetrics', () => {
  it('maps a part handed on to ContinuationParts and a summary to the chunk metrics', () => {
    expect(observationMetrics({ kind: 'continued', format: 'fscsm', part: 1 })).toEqual({
      format: 'fscsm',
      values: [{ name: 'ContinuationParts', unit: 'Count', value: 1 }],
    });
    expect(observationMetrics({ kind: 'ingested', summary: summary() })).toEqual(chunkMetrics(summary()));
  });
});

describe('alertMetrics', () => {
  const value = (set: ReturnType<typeof alertMetrics>, name: string) => set.values.find((v) => v.name === name)?.value;

  it('counts deliveries, duplicates skipped and the repeats of a delivered alert, without a format', () => {
    const set = alertMetrics({ sinks: [{ outcome: 'delivered' }, { outcome: 'duplicate' }, { outcome: 'delivered' }], failedSinks: 0, repeats: 3 });
    expect(set.format).toBeUndefined();
    expect(Object.fromEntries(set.values.map((v) => [v.name, v.value]))).toEqual({
      AlertsDelivered: 2,
      DuplicateAlertsSkipped: 1,
      DeliveryFailures: 0,
      RepeatsSkipped: 3,
    });
  });

  it('counts failed sinks, and leaves the repeats to the retry that delivers', () => {
    const set = alertMetrics({ sinks: [{ outcome: 'delivered' }], failedSinks: 1, repeats: 3 });
    expect(value(set, 'DeliveryFailures')).toBe(1);
    expect(value(set, 'AlertsDelivered')).toBe(1);
    expect(value(set, 'RepeatsSkipped')).toBeUndefined();
  });

  it('counts a rejected payload', () => {
    expect(rejectedPayloadMetrics()).toEqual({ values: [{ name: 'PayloadsRejected', unit: 'Count', value: 1 }] });
  });
});
