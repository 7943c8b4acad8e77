// The stack's alarms, checked on the packaged template. An alarm on a metric name, namespace
// or dimension set the code never emits stays silent for ever, so each alarm on the functions'
// own metrics is compared with the EMF documents the code prints, made with the settings the
// packaged functions get (their environment).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsSettingsFromEnv } from '../../functions/adapters/metrics';
import { alertMetrics, chunkMetrics, METRIC } from '../../lib/metrics';
import { SCHEMA_VERSION, type Summary } from '../../lib/records';
import { captureEmf, enabledEmfMetrics, type EmfDocument } from '../support/emf';
import { functionEnvironments, packageStack, type CfnResource, type Packaged } from './package';

interface MetricRef {
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

let packaged: Packaged;
let alarms: Record<string, Record<string, unknown>>;
beforeAll(async () => {
  packaged = await packageStack();
  alarms = Object.fromEntries(
    Object.entries(packaged.template.Resources)
      .filter(([, r]: [string, CfnResource]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([id, r]) => [id, r.Properties ?? {}]),
  );
});
afterAll(() => packaged.remove());

/** The metrics an alarm reads: its own, or those of its metric math. */
function metricsOf(alarm: Record<string, unknown>): MetricRef[] {
  if (alarm.MetricName) return [alarm as unknown as MetricRef];
  return ((alarm.Metrics ?? []) as { MetricStat?: { Metric: MetricRef } }[]).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
}

/** What the functions emit for a chunk and an alert, made as each packaged function would. */
async function emitted(env: Record<string, string>): Promise<EmfDocument[]> {
  const summary: Summary = {
    schemaVersion: SCHEMA_VERSION,
    source: { bucket: 'b', key: 'k', size: 10 },
    outputs: { records: 'k.jsonl' },
    format: 'fscsm',
    formatDetected: true,
    compression: 'none',
    timeZone: 'UTC',
    counts: { totalLines: 3, blankLines: 0, parsed: 2, errors: 1, failedOperations: 1, newFailedOperations: 1 },
    timing: { startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000 },
  };
  const emf = enabledEmfMetrics(metricsSettingsFromEnv(env));
  return captureEmf(() => {
    emf.record(chunkMetrics(summary));
    emf.record(alertMetrics({ sinks: [{ outcome: 'delivered' }], failedSinks: 0 }));
    emf.metrics.publishStoredMetrics();
  });
}

/** True when some document carries the metric in that namespace with exactly those dimensions and values. */
function isEmitted(docs: EmfDocument[], ref: MetricRef): boolean {
  const names = (ref.Dimensions ?? []).map((d) => d.Name).sort();
  return docs.some((doc) =>
    doc._aws.CloudWatchMetrics.some(
      (d) =>
        d.Namespace === ref.Namespace &&
        d.Metrics.some((m) => m.Name === ref.MetricName) &&
        d.Dimensions.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(names)) &&
        (ref.Dimensions ?? []).every((dim) => doc[dim.Name] === dim.Value),
    ),
  );
}

describe('the alarms of the packaged stack (osls package --stage dev)', () => {
  it('cover the dead-letter queues, the functions errors, the error-record ratio and a day without chunks, all to the alerts topic', () => {
    expect(Object.keys(alarms).sort()).toEqual([
      'AlertsDeadLetterQueueAlarm',
      'ErrorRecordRatioAlarm',
      'IngestDeadLetterQueueAlarm',
      'IngestErrorsAlarm',
      'NoChunksIngestedAlarm',
      'NotifyErrorsAlarm',
      'SweepErrorsAlarm',
    ]);
    for (const [id, alarm] of Object.entries(alarms)) {
      expect(alarm.AlarmActions, id).toEqual([{ Ref: 'AlertsTopic' }]);
      expect(alarm.OKActions, id).toEqual([{ Ref: 'AlertsTopic' }]);
      expect(alarm.ActionsEnabled, id).toBe('true');
    }
  });

  it('watch the queues and functions of this stack', () => {
    const dims = (id: string) => (alarms[id]?.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
    expect(dims('AlertsDeadLetterQueueAlarm')).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['AlertsDeadLetterQueue', 'QueueName'] } }]);
    expect(dims('IngestDeadLetterQueueAlarm')).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'QueueName'] } }]);
    for (const fn of ['Ingest', 'Notify', 'Sweep']) {
      expect(alarms[`${fn}ErrorsAlarm`]).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
      expect(dims(`${fn}ErrorsAlarm`)).toEqual([{ Name: 'FunctionName', Value: { Ref: `${fn}LambdaFunction` } }]);
    }
    for (const q of ['AlertsDeadLetterQueueAlarm', 'IngestDeadLetterQueueAlarm']) {
      expect(alarms[q]).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it('read only metrics the code emits, under the namespace, dimension names and values the packaged functions emit them with', async () => {
    const envs = functionEnvironments(packaged.template);
    const own = Object.entries(alarms).filter(([, a]) => metricsOf(a).some((m) => !m.Namespace.startsWith('AWS/')));
    expect(own.map(([id]) => id).sort()).toEqual(['ErrorRecordRatioAlarm', 'NoChunksIngestedAlarm']);
    const names = Object.values(METRIC) as string[];
    // Chunks are ingested by ingest and by the sweep: both must emit what the alarms read.
    for (const fn of ['IngestLambdaFunction', 'SweepLambdaFunction']) {
      const env = envs[fn] ?? {};
      expect(env, fn).toMatchObject({ STAGE: 'dev', POWERTOOLS_METRICS_DISABLED: 'false' });
      const docs = await emitted(env);
      for (const [id, alarm] of own) {
        for (const ref of metricsOf(alarm)) {
          expect(names, id).toContain(ref.MetricName);
          expect(isEmitted(docs, ref), `${id}: ${JSON.stringify(ref)} is never emitted by ${fn}`).toBe(true);
        }
      }
    }
    // The check can fail: the same metric with a stage the code does not emit is not found.
    const docs = await emitted(envs.IngestLambdaFunction ?? {});
    expect(isEmitted(docs, { Namespace: 'AuditLogIngest', MetricName: METRIC.chunksIngested, Dimensions: [{ Name: 'service', Value: 'audit-log-ingest' }, { Name: 'stage', Value: 'prod' }] })).toBe(false);
    expect(isEmitted(docs, { Namespace: 'AuditLogIngest', MetricName: METRIC.chunksIngested, Dimensions: [{ Name: 'stage', Value: 'dev' }] })).toBe(false);
  });

  it('alarm on error records over records above errorRecordRatioAlarm (0.05) in an hour', () => {
    const alarm = alarms.ErrorRecordRatioAlarm ?? {};
    const metrics = alarm.Metrics as { Id: string; Expression?: string; ReturnData: boolean; MetricStat?: { Metric: MetricRef; Period: number; Stat: string } }[];
    expect(metrics.map((m) => [m.Id, m.MetricStat?.Metric.MetricName, m.MetricStat?.Stat, m.MetricStat?.Period, m.ReturnData])).toEqual([
      ['errors', METRIC.errorRecords, 'Sum', 3600, false],
      ['records', METRIC.records, 'Sum', 3600, false],
      ['ratio', undefined, undefined, undefined, true],
    ]);
    expect(metrics[2]?.Expression).toBe('errors / records');
    expect(alarm).toMatchObject({ Threshold: '0.05', ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', EvaluationPeriods: 1 });
  });

  it('alarm when no chunk was ingested for noChunksAlarmHours (24), within CloudWatch limits', () => {
    const alarm = alarms.NoChunksIngestedAlarm ?? {};
    expect(alarm).toMatchObject({ MetricName: METRIC.chunksIngested, Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
    const period = Number(alarm.Period);
    const periods = Number(alarm.EvaluationPeriods);
    expect(period * periods).toBe(24 * 3600);
    expect(Number(alarm.DatapointsToAlarm)).toBe(periods); // every hour of the window empty
    // PutMetricAlarm: Period × EvaluationPeriods ≤ 7 days, and ≤ 1 day for periods under an hour.
    expect(period % 60).toBe(0);
    expect(period * periods).toBeLessThanOrEqual(period >= 3600 ? 7 * 86400 : 86400);
  });

  it('need no IAM permission for the metrics: EMF goes through the functions logs', () => {
    const actions = Object.values(packaged.template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Role')
      .flatMap((r) => (r.Properties?.Policies as { PolicyDocument: { Statement: { Action: unknown }[] } }[]).flatMap((p) => p.PolicyDocument.Statement))
      .flatMap((st) => ([] as string[]).concat(st.Action as string[]));
    expect(actions.filter((a) => a.startsWith('cloudwatch:'))).toEqual([]);
    expect(actions).toContain('logs:PutLogEvents');
  });
});
