// Lambda handler: S3 ObjectCreated events, directly, through SQS or through EventBridge ->
// lib/ingest-event; S3 Batch Operations tasks -> lib/batch-operations. Wiring only: the
// event's shape picks the path, whichever trigger the stage deploys (ingestTrigger).

import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { IngestConfigSchema, loadConfig, parseOptionsFrom, outputOptionsFrom, type IngestConfig } from '../lib/config';
import type { IngestDeps, IngestObservation } from '../lib/ingest';
import { ingestEvent, ingestSqsEvent, type EventReport } from '../lib/ingest-event';
import { isSqsEvent, type SqsBatchResponse } from '../lib/event-topologies';
import { ingestBatchOperations, isBatchOperationsEvent, type BatchOperationsResponse } from '../lib/batch-operations';
import { createLogger } from '../lib/log';
import { observationMetrics } from '../lib/metrics';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { continuationInvoker, createLambdaClient, lambdaNotifier } from './adapters/lambda-invoke';
import { s3EventClaimer } from './adapters/s3-claim-store';
import { emfMetrics, metricsSettingsFromEnv, type EmfMetrics } from './adapters/metrics';
import { s3ClientFromConfig, s3ObjectStore } from './adapters/s3-store';
import { invocationLogging } from './middleware/invocation-logging';

export interface IngestRuntime {
  config: IngestConfig;
  lambda: LambdaClient;
  deps: IngestDeps;
  /** Event claims for this invocation (the request id is their owner). */
  eventClaims?: (owner: string) => NonNullable<IngestDeps['eventClaims']>;
}

export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): IngestRuntime {
  const config = loadConfig(IngestConfigSchema, env);
  const s3 = s3ClientFromConfig(config);
  const lambda = createLambdaClient(config.LAMBDA_ENDPOINT);
  return {
    config,
    lambda,
    deps: {
      store: s3ObjectStore(s3),
      sendFailures: lambdaNotifier(lambda, config.NOTIFY_FUNCTION_NAME),
      log: createLogger({ function: 'ingest' }),
    },
    eventClaims: (owner) => s3EventClaimer(s3, config, owner),
  };
}

export function createIngestHandler(getRuntime: () => IngestRuntime, emf?: EmfMetrics) {
  const log = createLogger({ function: 'ingest' });
  const metrics = emf ?? emfMetrics(metricsSettingsFromEnv(), log);
  return middy<unknown, EventReport | BatchOperationsResponse | SqsBatchResponse, Error, Context>()
    .use(invocationLogging(log))
    .use(logMetrics(metrics.metrics))
    .handler(async (event, context) => {
      const { config, deps, lambda, eventClaims } = getRuntime();
      const startedAt = Date.now();
      const reserveMs = config.INGEST_STOP_WHEN_LEFT_SECONDS * 1000;
      const remaining = () => (typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Infinity);
      const invocationDeps = {
        ...deps,
        log: deps.log.child({ requestId: context.awsRequestId }),
        // The rest of a chunk goes to a new invocation of this same function.
        continueLater: continuationInvoker(lambda, context.functionName),
        ...(eventClaims ? { eventClaims: eventClaims(context.awsRequestId) } : {}),
        observe: (o: IngestObservation) => metrics.record(observationMetrics(o)),
      };
      const options = {
        shouldStop: () =>
          remaining() < reserveMs || (config.INGEST_TIME_BUDGET_MS !== undefined && Date.now() - startedAt > config.INGEST_TIME_BUDGET_MS),
        ...parseOptionsFrom(config),
        ...outputOptionsFrom(config),
        maxPayloadBytes: config.NOTIFY_MAX_PAYLOAD_BYTES,
      };
      // S3 Batch Operations (LambdaInvoke) expects a result code per task, not a report.
      if (isBatchOperationsEvent(event)) return ingestBatchOperations(event, invocationDeps, options);
      const eventOptions = { ...options, keyEncoding: config.EVENT_KEY_ENCODING };
      // An SQS batch answers per message (ReportBatchItemFailures); the rest throw to be retried.
      if (isSqsEvent(event)) return ingestSqsEvent(event, invocationDeps, eventOptions);
      return ingestEvent(event, invocationDeps, eventOptions);
    });
}

// Built on first use, once per container: config errors surface in the first invocation's log.
let runtime: IngestRuntime | undefined;
export const handler = createIngestHandler(() => (runtime ??= runtimeFromEnv()));
