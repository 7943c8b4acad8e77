// Lambda handler on a schedule: sweeps the logs container for chunks without an up-to-date
// summary (stores without notifications, lost events) and ingests them with the same code
// as the ingest function, stopping in time; the next run resumes. Wiring only.

import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from '../lib/zod';
import { IngestConfigSchema, SweepTuningSchema, loadConfig, parseOptionsFrom, outputOptionsFrom, positiveInt } from '../lib/config';
import { createLogger } from '../lib/log';
import { observationMetrics } from '../lib/metrics';
import { sweep, type SweepReport } from '../lib/sweep';
import { runtimeFromEnv as ingestRuntime, type IngestRuntime } from './ingest';
import { emfMetrics, metricsSettingsFromEnv, type EmfMetrics } from './adapters/metrics';
import { s3ClientFromConfig, s3ContainerReader } from './adapters/s3-store';
import { invocationLogging } from './middleware/invocation-logging';
import type { ContainerReader } from '../lib/sweep';
import type { IngestObservation } from '../lib/ingest';

const SweepConfigSchema = z.extend(z.extend(IngestConfigSchema, SweepTuningSchema.shape), {
  SWEEP_BUCKET: z.string().check(z.minLength(1, 'must name the container to sweep')),
  SWEEP_PREFIX: z.optional(z.string()),
  /** A chunk is only started with at least this much time left (a 10 MB chunk takes seconds). */
  SWEEP_MIN_TIME_LEFT_SECONDS: positiveInt(60),
});

export interface SweepRuntime extends IngestRuntime {
  reader: ContainerReader;
  bucket: string;
  prefix?: string;
  minTimeLeftMs: number;
  concurrency: number;
}

export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): SweepRuntime {
  const config = loadConfig(SweepConfigSchema, env);
  const ingest = ingestRuntime(env);
  return {
    ...ingest,
    deps: { ...ingest.deps, log: createLogger({ function: 'sweep' }) },
    reader: s3ContainerReader(s3ClientFromConfig(config)),
    bucket: config.SWEEP_BUCKET,
    ...(config.SWEEP_PREFIX ? { prefix: config.SWEEP_PREFIX } : {}),
    minTimeLeftMs: config.SWEEP_MIN_TIME_LEFT_SECONDS * 1000,
    concurrency: config.SWEEP_CONCURRENCY,
  };
}

export function createSweepHandler(getRuntime: () => SweepRuntime, emf?: EmfMetrics) {
  const log = createLogger({ function: 'sweep' });
  const metrics = emf ?? emfMetrics(metricsSettingsFromEnv(), log);
  return middy<unknown, SweepReport, Error, Context>()
    .use(invocationLogging(log))
    .use(logMetrics(metrics.metrics))
    .handler(async (_event, context) => {
      const rt = getRuntime();
      const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 900_000;
      const deps = { ...rt.deps, log: rt.deps.log.child({ requestId: context.awsRequestId }), observe: (o: IngestObservation) => metrics.record(observationMetrics(o)) };
      const report = await sweep(rt.reader, deps, {
        bucket: rt.bucket,
        ...(rt.prefix ? { prefix: rt.prefix } : {}),
        ...parseOptionsFrom(rt.config),
        ...outputOptionsFrom(rt.config),
        maxPayloadBytes: rt.config.NOTIFY_MAX_PAYLOAD_BYTES,
        deadline: Date.now() + remaining,
        minTimeLeftMs: rt.minTimeLeftMs,
        concurrency: rt.concurrency,
      });
      log.info('sweep finished', { requestId: context.awsRequestId, ...report, stale: undefined });
      return report;
    });
}

let runtime: SweepRuntime | undefined;
export const handler = createSweepHandler(() => (runtime ??= runtimeFromEnv()));
