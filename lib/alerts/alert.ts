// What an alert says: one alert per notify payload (a batch of one chunk's FAILED
// operations), with counts, the first failures in full, and where all of them are.

import type { Failure, NotifyPayload } from '../notify-payload';

export interface Alert {
  /** Stable identity of this alert: the same chunk version and batch give the same id. */
  id: string;
  title: string;
  source: { bucket: string; key: string; etag?: string };
  batch: number;
  failedCount: number;
  /** The first failures, in full. */
  failures: AlertFailure[];
  /** How many more are in this batch beyond `failures`. */
  more: number;
  /** FAILED events of this batch not listed because they were alerted before. */
  repeats: number;
  /** Where every record of the chunk is, failures included. */
  recordsUrl: string;
}

export interface AlertFailure {
  line: number;
  timestamp: string;
  actor: string;
  operation: string;
  resourceType: string;
  resourceIds: string[];
  location: string;
}

export function buildAlert(payload: NotifyPayload, maxListed: number): Alert {
  const { source } = payload;
  const listed = payload.failures.slice(0, maxListed);
  return {
    id: alertId(payload),
    title: `${payload.failures.length} FAILED audit operation${payload.failures.length === 1 ? '' : 's'} in s3://${source.bucket}/${source.key}`,
    source,
    batch: payload.batch,
    failedCount: payload.failures.length,
    failures: listed.map((f) => toAlertFailure(f, source)),
    more: payload.failures.length - listed.length,
    repeats: payload.repeats ?? 0,
    recordsUrl: `s3://${source.bucket}/${payload.records}`,
  };
}

/** One id per chunk version and batch: what the exactly-once claim is taken on. */
export function alertId(payload: Pick<NotifyPayload, 'source' | 'batch'>): string {
  return `${payload.source.bucket}/${payload.source.key}@${payload.source.etag ?? 'no-etag'}#${payload.batch}`;
}

function toAlertFailure(f: Failure, source: { bucket: string; key: string }): AlertFailure {
  return {
    line: f.line,
    timestamp: f.timestamp,
    actor: f.actor,
    operation: f.operation,
    resourceType: f.resourceType,
    resourceIds: f.resourceIds,
    location: `s3://${source.bucket}/${source.key}#L${f.line}`,
  };
}
