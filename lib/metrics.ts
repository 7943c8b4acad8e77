// What the functions count: a pure mapping from what happened (a chunk ingested, a part
// handed on, an alert's outcome) to named CloudWatch metric values. Publishing them is the
// functions' job (functions/adapters/metrics.ts, Embedded Metric Format); the CLI publishes
// none (its stdout is data).

import type { IngestObservation } from './ingest';
import type { Format, Summary } from './records';

export const DEFAULT_METRICS_NAMESPACE = 'AuditLogIngest';

/**
 * Dimension names. Deliberately few and bounded: service and stage (one value per
 * deployment) and, for chunk metrics, the format (`fscsm`, `cadf`). Nothing per bucket, key or
 * actor: every distinct value is a metric of its own, billed and kept for 15 months.
 */
export const DIMENSION = { service: 'service', stage: 'stage', format: 'format' } as const;

/**
 * The dimension sets published. Chunk metrics carry both: the per-format breakdown and the
 * service+stage roll-up that the alarms read (an alarm names one exact set; with format in it,
 * "no chunk for a day" would need one alarm per format).
 */
export const DIMENSION_SETS = {
  rollup: [DIMENSION.service, DIMENSION.stage],
  byFormat: [DIMENSION.service, DIMENSION.stage, DIMENSION.format],
} as const;

export const METRIC = {
  /** Chunks whose summary was written (once per chunk, also when it took several invocations). */
  chunksIngested: 'ChunksIngested',
  /** The chunk's size as stored (compressed bytes for gzip), once per chunk. */
  bytesRead: 'BytesRead',
  /** Records written: entries and error records (`parsed + errors`). */
  records: 'Records',
  errorRecords: 'ErrorRecords',
  failedOperations: 'FailedOperations',
  /** Of those, the ones not alerted before (only where ingest claims events: the ingest function). */
  newFailedOperations: 'NewFailedOperations',
  /** From the chunk's start to its summary, over all its invocations. */
  ingestDuration: 'IngestDuration',
  /** Parts written and handed to a new invocation because time ran low. */
  continuationParts: 'ContinuationParts',
  /** Deliveries of an alert to a sink (one alert to two sinks counts 2). */
  alertsDelivered: 'AlertsDelivered',
  /** Deliveries skipped because the claim said the alert was already delivered (a retried payload). */
  duplicateAlertsSkipped: 'DuplicateAlertsSkipped',
  /** FAILED events ingest left out of a delivered alert as alerted before (the payload's `repeats`). */
  repeatsSkipped: 'RepeatsSkipped',
  /** Sinks that still failed after the invocation's retries (the invocation fails; Lambda retries, then the dead-letter queue). */
  deliveryFailures: 'DeliveryFailures',
  /** Payloads that were not ingest's (rejected, never retried). */
  payloadsRejected: 'PayloadsRejected',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
/** CloudWatch unit names (the same strings Powertools' MetricUnit holds). */
export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds';

export interface MetricValue {
  name: MetricName;
  unit: MetricUnit;
  value: number;
}

/** Values that share dimensions: with `format`, chunk metrics; without, service+stage only. */
export interface MetricSet {
  format?: Format;
  values: MetricValue[];
}

const count = (name: MetricName, value: number): MetricValue => ({ name, unit: 'Count', value });

/** A chunk whose summary was written. Zeros are sent too: the error-record ratio needs every chunk's records. */
export function chunkMetrics(summary: Summary): MetricSet {
  const c = summary.counts;
  return {
    format: summary.format,
    values: [
      count(METRIC.chunksIngested, 1),
      ...(summary.source.size !== undefined ? [{ name: METRIC.bytesRead, unit: 'Bytes', value: summary.source.size } as const] : []),
      count(METRIC.records, c.parsed + c.errors),
      count(METRIC.errorRecords, c.errors),
      count(METRIC.failedOperations, c.failedOperations),
      // Absent where events are not claimed (the sweep): a 0 would claim every failure was a repeat.
      ...(c.newFailedOperations !== undefined ? [count(METRIC.newFailedOperations, c.newFailedOperations)] : []),
      { name: METRIC.ingestDuration, unit: 'Milliseconds', value: summary.timing.durationMs },
    ],
  };
}

/** A part written and handed on to a new invocation. */
export function continuationMetrics(format: Format): MetricSet {
  return { format, values: [count(METRIC.continuationParts, 1)] };
}

/** What a chunk's progress counts (the ingest and sweep functions). */
export function observationMetrics(observation: IngestObservation): MetricSet {
  return observation.kind === 'ingested' ? chunkMetrics(observation.summary) : continuationMetrics(observation.format);
}

export interface AlertOutcome {
  /** The sinks that have the alert: delivered now, or found delivered before. */
  sinks: { outcome: 'delivered' | 'duplicate' }[];
  /** Sinks that failed after retries. */
  failedSinks: number;
  /** The payload's `repeats`, counted once the alert is delivered everywhere (a failed one is retried). */
  repeats?: number;
}

export function alertMetrics(outcome: AlertOutcome): MetricSet {
  return {
    values: [
      count(METRIC.alertsDelivered, outcome.sinks.filter((s) => s.outcome === 'delivered').length),
      count(METRIC.duplicateAlertsSkipped, outcome.sinks.filter((s) => s.outcome === 'duplicate').length),
      count(METRIC.deliveryFailures, outcome.failedSinks),
      ...(outcome.failedSinks === 0 ? [count(METRIC.repeatsSkipped, outcome.repeats ?? 0)] : []),
    ],
  };
}

export function rejectedPayloadMetrics(): MetricSet {
  return { values: [count(METRIC.payloadsRejected, 1)] };
}
