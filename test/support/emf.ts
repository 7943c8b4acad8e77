// Embedded Metric Format documents as the functions print them, captured and parsed back.
import { emfMetrics, type EmfMetrics, type MetricsSettings } from '../../functions/adapters/metrics';
import { createLogger, type Logger } from '../../lib/log';

export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

export const TEST_METRICS: MetricsSettings = { namespace: 'AuditLogIngest', service: 'audit-log-ingest', stage: 'test' };

/**
 * A metrics instance that publishes (the unit project disables Powertools metrics for every
 * other instance: POWERTOOLS_METRICS_DISABLED is read when an instance is made).
 */
export function enabledEmfMetrics(settings: MetricsSettings = TEST_METRICS, log: Logger = createLogger({}, { level: 'silent' })): EmfMetrics {
  const before = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  try {
    return emfMetrics(settings, log);
  } finally {
    if (before === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = before;
  }
}

/** Runs `fn` (and waits for it, when it returns a promise) and returns the EMF documents written to stdout meanwhile (other output is passed through). */
export async function captureEmf(fn: () => unknown): Promise<EmfDocument[]> {
  const docs: EmfDocument[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    const emf = text.split('\n').filter((l) => l.startsWith('{"_aws"'));
    if (emf.length === 0) return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    for (const line of emf) docs.push(JSON.parse(line) as EmfDocument);
    return true;
  });
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return docs;
}

/** name -> values (one per document, flattened when a document holds several). */
export function metricValues(docs: EmfDocument[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const doc of docs) {
    for (const m of doc._aws.CloudWatchMetrics.flatMap((d) => d.Metrics)) {
      const v = doc[m.Name];
      (out[m.Name] ??= []).push(...(Array.isArray(v) ? (v as number[]) : [v as number]));
    }
  }
  return out;
}
