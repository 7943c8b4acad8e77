// Lambda handler: FAILED operations from ingest (async invoke) -> one alert per payload,
// delivered once per sink. Wiring only; the logic is lib/alerts/notify.ts.

import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from '../lib/zod';
import { DeliveryFailedError, notifyFailures, type NotifyDeps, type NotifyResult } from '../lib/alerts/notify';
import { loadConfig, NotifyConfigSchema, type NotifyConfig } from '../lib/config';
import { createLogger, type Logger } from '../lib/log';
import { alertMetrics, rejectedPayloadMetrics } from '../lib/metrics';
import { NotifyPayloadSchema } from '../lib/notify-payload';
import { emfMetrics, metricsSettingsFromEnv, type EmfMetrics } from './adapters/metrics';
import { s3ClaimStore } from './adapters/s3-claim-store';
import { s3ClientFromConfig } from './adapters/s3-store';
import { sinksFromConfig } from './adapters/alert-sinks';
import { invocationLogging } from './middleware/invocation-logging';

/** Time kept back from the deadline so the invocation can release claims and report. */
const SAFETY_MARGIN_MS = 3_000;

export type NotifyRuntime = Omit<NotifyDeps, 'log' | 'owner' | 'deadline'> & { log: Logger };

export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyRuntime {
  const config: NotifyConfig = loadConfig(NotifyConfigSchema, env);
  const region = env.AWS_REGION ?? 'us-east-1';
  const s3 = s3ClientFromConfig(config);
  return {
    sinks: sinksFromConfig(config, region),
    claimsFor: (bucket) => s3ClaimStore(s3, bucket),
    claimMode: config.CLAIM_MODE,
    leaseMs: config.CLAIM_LEASE_SECONDS * 1000,
    maxListed: config.ALERT_MAX_LISTED,
    claimConcurrency: config.EVENT_CLAIM_CONCURRENCY,
    log: createLogger({ function: 'notify' }),
  };
}

export interface NotifyResponse {
  accepted: boolean;
  failures: number;
  sinks?: { sink: string; outcome: string }[];
}

export function createNotifyHandler(getRuntime: () => NotifyRuntime, emf?: EmfMetrics) {
  const log = createLogger({ function: 'notify' });
  const metrics = emf ?? emfMetrics(metricsSettingsFromEnv(), log);
  return middy<unknown, NotifyResponse, Error, Context>()
    .use(invocationLogging(log))
    .use(logMetrics(metrics.metrics))
    .handler(async (event, context) => {
      const parsed = NotifyPayloadSchema.safeParse(event);
      if (!parsed.success) {
        // A malformed payload never becomes valid on retry: say so loudly and do not retry.
        log.error('notify payload rejected', { requestId: context.awsRequestId, problems: z.prettifyError(parsed.error) });
        metrics.record(rejectedPayloadMetrics());
        return { accepted: false, failures: 0 };
      }
      const runtime = getRuntime();
      const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 60_000;
      let result: NotifyResult;
      try {
        result = await notifyFailures(parsed.data, {
          ...runtime,
          log: runtime.log.child({ requestId: context.awsRequestId }),
          owner: context.awsRequestId,
          deadline: Date.now() + remaining - SAFETY_MARGIN_MS,
        });
      } catch (err) {
        if (err instanceof DeliveryFailedError) metrics.record(alertMetrics({ sinks: err.delivered, failedSinks: err.failedSinks }));
        throw err;
      }
      metrics.record(alertMetrics({ sinks: result.sinks, failedSinks: 0, ...(parsed.data.repeats !== undefined ? { repeats: parsed.data.repeats } : {}) }));
      return { accepted: true, failures: parsed.data.failures.length, sinks: result.sinks };
    });
}

let runtime: NotifyRuntime | undefined;
export const handler = createNotifyHandler(() => (runtime ??= runtimeFromEnv()));
