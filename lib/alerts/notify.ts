// notify's use case: one payload of FAILED operations -> one alert, delivered once to each
// configured sink, with retries inside the invocation's time and a claim per (alert, sink).

import type { Logger } from '../log';
import type { NotifyPayload } from '../notify-payload';
import { buildAlert, type Alert } from './alert';
import { deliverOnce, type ClaimMode, type ClaimStore, type Outcome } from './claims';
import { markEventsDelivered } from './event-claims';
import { withRetry } from './retry';

/** A delivery retry starts only with this much time left (a webhook answers within a second or two). */
const MIN_ATTEMPT_MS = 2_000;

export interface Sink {
  /** Stable name: part of the claim key, so renaming a sink re-sends. */
  name: string;
  send(alert: Alert, timeLeftMs: number): Promise<void>;
}

export interface NotifyDeps {
  sinks: Sink[];
  claimsFor(bucket: string): ClaimStore;
  claimMode: ClaimMode;
  leaseMs: number;
  maxListed: number;
  log: Logger;
  /** The invocation's request id: the claim owner. */
  owner: string;
  /** Epoch ms by which everything must be done (remaining time less a margin). */
  deadline: number;
  /** Event claims written at once when marking them delivered. */
  claimConcurrency?: number;
}

export interface NotifyResult {
  alertId: string;
  sinks: { sink: string; outcome: Outcome }[];
}

export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
  constructor(
    message: string,
    /** The sinks that do have the alert, and how many do not (the functions count both). */
    readonly delivered: NotifyResult['sinks'] = [],
    readonly failedSinks = 0,
  ) {
    super(message);
  }
}

export async function notifyFailures(payload: NotifyPayload, deps: NotifyDeps): Promise<NotifyResult> {
  const alert = buildAlert(payload, deps.maxListed);
  const log = deps.log.child({ alertId: alert.id });
  log.info('failed operations received', {
    source: payload.source,
    records: payload.records,
    batch: payload.batch,
    count: payload.failures.length,
    ...(payload.repeats !== undefined ? { repeats: payload.repeats } : {}),
    failures: payload.failures,
  });
  const claims = deps.claimsFor(payload.source.bucket);
  // Once every sink has the alert, its events' claims (taken by ingest) become permanent.
  const markDelivered = () => markEventsDelivered(payload.failures, alert.id, { store: claims, owner: deps.owner, concurrency: deps.claimConcurrency ?? 16 });
  if (deps.sinks.length === 0) {
    log.warn('no alert sink configured: the alert is only in this log');
    await markDelivered();
    return { alertId: alert.id, sinks: [] };
  }

  const results: NotifyResult['sinks'] = [];
  const failures: string[] = [];
  for (const sink of deps.sinks) {
    try {
      const outcome = await deliverOnce(
        alert.id,
        sink.name,
        () =>
          withRetry((_n, timeLeft) => sink.send(alert, timeLeft), {
            deadline: deps.deadline,
            minAttemptMs: MIN_ATTEMPT_MS,
            onRetry: (attempt, delayMs, error) => log.warn('alert delivery failed, retrying', { sink: sink.name, attempt, delayMs, error }),
          }),
        { store: claims, mode: deps.claimMode, owner: deps.owner, leaseMs: deps.leaseMs, deadline: deps.deadline },
      );
      log.info(outcome === 'delivered' ? 'alert delivered' : 'alert already delivered; duplicate skipped', { sink: sink.name });
      results.push({ sink: sink.name, outcome });
    } catch (err) {
      log.error('alert not delivered', { sink: sink.name, error: err });
      failures.push(`${sink.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // Failing the invocation hands the alert to Lambda's async retries, then the dead-letter queue.
  if (failures.length > 0) throw new DeliveryFailedError(`alert ${alert.id} not delivered to ${failures.join('; ')}`, results, failures.length);
  await markDelivered();
  return { alertId: alert.id, sinks: results };
}
