// The metrics lib/metrics.ts names, published as CloudWatch Embedded Metric Format through
// Powertools Metrics: JSON lines on stdout that CloudWatch Logs turns into metrics, so no
// PutMetricData call and no IAM permission beyond writing the function's own logs. The
// handlers' logMetrics middleware flushes them at the end of each invocation.

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as PowertoolsUnit } from '@aws-lambda-powertools/metrics/types';
import { loadConfig, MetricsConfigSchema } from '../../lib/config';
import type { Logger } from '../../lib/log';
import { DIMENSION, type MetricSet, type MetricUnit as Unit } from '../../lib/metrics';
import type { Format } from '../../lib/records';

export interface MetricsSettings {
  namespace: string;
  service: string;
  stage: string;
}

export interface EmfMetrics {
  /** The Powertools instance, for `logMetrics(...)`. */
  metrics: Metrics;
  record(set: MetricSet): void;
}

const UNITS: Record<Unit, PowertoolsUnit> = { Count: MetricUnit.Count, Bytes: MetricUnit.Bytes, Milliseconds: MetricUnit.Milliseconds };

/** Settings from the environment (serverless.yml sets them); throws ConfigError naming a bad one. */
export function metricsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const config = loadConfig(MetricsConfigSchema, env);
  return { namespace: config.POWERTOOLS_METRICS_NAMESPACE, service: config.POWERTOOLS_SERVICE_NAME, stage: config.STAGE };
}

export function emfMetrics(settings: MetricsSettings, log: Logger): EmfMetrics {
  const metrics = new Metrics({
    namespace: settings.namespace,
    serviceName: settings.service,
    defaultDimensions: { [DIMENSION.stage]: settings.stage },
    logger: {
      debug: (...c: unknown[]) => log.debug(text(c)),
      info: (...c: unknown[]) => log.info(text(c)),
      // An invocation that only skipped its own outputs has nothing to count: not worth a warning.
      warn: (...c: unknown[]) => (text(c).startsWith('No application metrics to publish') ? log.debug(text(c)) : log.warn(text(c))),
      error: (...c: unknown[]) => log.error(text(c)),
    },
  });
  // Dimension values of the metrics stored now (one EMF document holds one value per dimension).
  let storedFormat: Format | undefined;

  const applyDimensions = (format: Format | undefined) => {
    storedFormat = format;
    if (format === undefined) return; // the default set: service, stage
    // [service, stage, format] for the breakdown, and the [service, stage] roll-up the alarms read.
    metrics.addDimension(DIMENSION.format, format);
    metrics.addDimensions({});
  };

  return {
    metrics,
    record(set) {
      // A sweep reads chunks of several formats: each format's values go out in their own document.
      if (metrics.hasStoredMetrics() && storedFormat !== set.format) metrics.publishStoredMetrics();
      for (const v of set.values) {
        // Powertools publishes by itself at 100 values of a metric, clearing the dimensions: set them again.
        if (!metrics.hasStoredMetrics()) applyDimensions(set.format);
        metrics.addMetric(v.name, UNITS[v.unit], v.value);
      }
    },
  };
}

function text(content: unknown[]): string {
  return content.map((c) => (typeof c === 'string' ? c : c instanceof Error ? c.message : JSON.stringify(c))).join(' ');
}
