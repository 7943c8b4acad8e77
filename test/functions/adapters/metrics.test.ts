// Powertools Metrics as the functions use it: the EMF documents it prints, parsed back.
import { describe, expect, it } from 'vitest';
import { metricsSettingsFromEnv } from '../../../functions/adapters/metrics';
import { createLogger } from '../../../lib/log';
import { DIMENSION_SETS, METRIC, type MetricSet } from '../../../lib/metrics';
import { captureEmf, enabledEmfMetrics, metricValues, TEST_METRICS } from '../../support/emf';

const chunk = (format: 'fscsm' | 'cadf', records: number): MetricSet => ({
  format,
  values: [
    { name: METRIC.chunksIngested, unit: 'Count', value: 1 },
    { name: METRIC.records, unit: 'Count', value: records },
  ],
});

describe('emfMetrics', () => {
  it('publishes chunk metrics by format and as the service+stage roll-up, in the namespace, with units', async () => {
    const emf = enabledEmfMetrics();
    const docs = await captureEmf(() => {
      emf.record(chunk('fscsm', 21));
      emf.record(chunk('fscsm', 4));
      emf.metrics.publishStoredMetrics();
    });
    expect(docs).toHaveLength(1);
    const [doc] = docs;
    expect(doc?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'AuditLogIngest',
        Dimensions: [[...DIMENSION_SETS.byFormat], [...DIMENSION_SETS.rollup]],
        Metrics: [
          { Name: 'ChunksIngested', Unit: 'Count' },
          { Name: 'Records', Unit: 'Count' },
        ],
      },
    ]);
    expect(doc).toMatchObject({ service: 'audit-log-ingest', stage: 'test', format: 'fscsm', ChunksIngested: [1, 1], Records: [21, 4] });
  });

  it('gives each format its own document (a sweep reads several), and metrics without a format only service and stage', async () => {
    const emf = enabledEmfMetrics();
    const docs = await captureEmf(() => {
      emf.record(chunk('fscsm', 1));
      emf.record(chunk('cadf', 2));
      emf.record({ values: [{ name: METRIC.alertsDelivered, unit: 'Count', value: 1 }] });
      emf.metrics.publishStoredMetrics();
    });
    expect(docs.map((d) => [d.format, d._aws.CloudWatchMetrics[0]?.Dimensions])).toEqual([
      ['fscsm', [[...DIMENSION_SETS.byFormat], [...DIMENSION_SETS.rollup]]],
      ['cadf', [[...DIMENSION_SETS.byFormat], [...DIMENSION_SETS.rollup]]],
      [undefined, [[...DIMENSION_SETS.rollup]]],
    ]);
    expect(metricValues(docs)).toEqual({ ChunksIngested: [1, 1], Records: [1, 2], AlertsDelivered: [1] });
  });

  it('keeps the dimensions when Powertools publishes on its own at 100 values of a metric', async () => {
    const emf = enabledEmfMetrics();
    const docs = await captureEmf(() => {
      for (let i = 0; i < 150; i++) emf.record(chunk('cadf', i));
      emf.metrics.publishStoredMetrics();
    });
    expect(docs.length).toBeGreaterThan(1);
    for (const d of docs) {
      expect(d.format).toBe('cadf');
      expect(d._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[...DIMENSION_SETS.byFormat], [...DIMENSION_SETS.rollup]]);
    }
    expect(metricValues(docs).ChunksIngested).toHaveLength(150);
    expect(metricValues(docs).Records?.reduce((a, b) => a + b)).toBe((149 * 150) / 2);
  });

  it('prints nothing, and warns of nothing, for an invocation with nothing to count', async () => {
    const lines: string[] = [];
    const emf = enabledEmfMetrics(TEST_METRICS, createLogger({}, { level: 'info', write: (l) => lines.push(l) }));
    const docs = await captureEmf(() => emf.metrics.publishStoredMetrics());
    expect(docs).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('reads its settings from the environment, with defaults, and refuses a namespace CloudWatch would', () => {
    expect(metricsSettingsFromEnv({})).toEqual({ namespace: 'AuditLogIngest', service: 'audit-log-ingest', stage: 'local' });
    expect(metricsSettingsFromEnv({ POWERTOOLS_METRICS_NAMESPACE: 'Audit/Prod', POWERTOOLS_SERVICE_NAME: 'svc', STAGE: 'prod' })).toEqual({
      namespace: 'Audit/Prod',
      service: 'svc',
      stage: 'prod',
    });
    expect(() => metricsSettingsFromEnv({ POWERTOOLS_METRICS_NAMESPACE: 'AWS/Lambda' })).toThrow(/POWERTOOLS_METRICS_NAMESPACE: must be a CloudWatch namespace/);
    expect(() => metricsSettingsFromEnv({ POWERTOOLS_METRICS_NAMESPACE: 'has space' })).toThrow(/POWERTOOLS_METRICS_NAMESPACE/);
  });
});
