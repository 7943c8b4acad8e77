// One alert per FAILED event per container, however often its line is uploaded (sync of a
// growing file, rollover renames, shipper re-sends, backfill over live-ingested periods).
//
// Ingest claims each event id of a batch before the batch goes to notify, with the claim
// objects, modes, leases and generations of claims.ts:
//   - created by us        -> new: the event goes into the alert;
//   - delivered            -> repeat: alerted before;
//   - claimed, lease live  -> repeat, unless the claim is for this same alert (a retry of
//                             this chunk version and batch): then it is ours again;
//   - claimed, lease over  -> its alert was never delivered (crash, dead-letter queue): the
//                             next generation is claimed, so a lost alert is not suppressed.
// notify marks the claims delivered once every sink has the alert (markEventsDelivered), so
// between claim and delivery only the lease stands: a crash there delays, never loses.

import { createHash } from 'node:crypto';
import { CLAIMS_PREFIX } from '../keys';
import { mapBounded } from '../map-bounded';
import type { Failure, NotifyPayload } from '../notify-payload';
import { alertId } from './alert';
import { createClaim, MAX_GENERATIONS, parseClaim, type Claim, type ClaimMode, type ClaimStore } from './claims';

export const EVENT_CLAIMS_PREFIX = `${CLAIMS_PREFIX}events/`;

/** What is claimed: a record's stable id, with its format (ids of two formats never meet). */
export interface EventRef {
  id: string;
  format?: string | undefined;
}

export interface EventClaimOptions {
  store: ClaimStore;
  mode: ClaimMode;
  /** Who claims (the request id), for the record. */
  owner: string;
  leaseMs: number;
  /** Claims in flight at once: bounds the store's load and keeps 10,000 events within an invocation. */
  concurrency: number;
  now?: () => number;
}

export interface ClaimedEvents<T extends EventRef> {
  /** Events not alerted before, in input order, each with the generation of its claim. */
  fresh: { event: T; generation: number }[];
  /** Events alerted before (or being alerted by another invocation now), duplicates in the batch included. */
  repeats: number;
}

export function eventClaimKey(event: EventRef, generation: number): string {
  const digest = createHash('sha256').update(`${event.format ?? 'fscsm'}\u0000${event.id}`).digest('hex');
  return `${EVENT_CLAIMS_PREFIX}${digest.slice(0, 2)}/${digest}.${generation}`;
}

/** Claims every event of one alert (`alertId`, see alert.ts), at most `concurrency` at a time. */
export async function claimEvents<T extends EventRef>(events: readonly T[], alertId: string, options: EventClaimOptions): Promise<ClaimedEvents<T>> {
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const e of events) {
    const k = `${e.format ?? 'fscsm'}\u0000${e.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    unique.push(e);
  }
  const generations = await mapBounded(unique, options.concurrency, (e) => claimOne(e, alertId, options));
  const fresh: ClaimedEvents<T>['fresh'] = [];
  unique.forEach((event, i) => {
    const generation = generations[i];
    if (generation !== undefined) fresh.push({ event, generation });
  });
  return { fresh, repeats: events.length - fresh.length };
}

/** After delivery to every sink: the claims become permanent, so repeats are dropped for good. */
export async function markEventsDelivered(
  events: readonly (EventRef & { claim?: number | undefined })[],
  alertId: string,
  options: Pick<EventClaimOptions, 'store' | 'owner' | 'concurrency' | 'now'>,
): Promise<number> {
  const claimed = events.filter((e): e is EventRef & { claim: number } => e.claim !== undefined);
  const body = claimBody('delivered', alertId, { ...options, leaseMs: 0 });
  await mapBounded(claimed, options.concurrency, (e) => options.store.put(eventClaimKey(e, e.claim), body));
  return claimed.length;
}

/** The generation this invocation holds for the event, or undefined for a repeat. */
async function claimOne(event: EventRef, alertId: string, options: EventClaimOptions): Promise<number | undefined> {
  const now = options.now ?? Date.now;
  for (let generation = 0, attempts = 0; generation < MAX_GENERATIONS && attempts < 2 * MAX_GENERATIONS; attempts++) {
    const key = eventClaimKey(event, generation);
    if (await createClaim(options, key, claimBody('claimed', alertId, options))) return generation;
    const text = await options.store.get(key);
    if (text === undefined) continue; // removed between our write and read: try again
    const held = parseClaim(text);
    if (held?.state === 'delivered') return undefined;
    if (held !== undefined && held.leaseUntil > now()) return held.alert === alertId ? generation : undefined;
    generation += 1; // expired without delivery, or damaged: take the alert over
  }
  throw new Error(`event ${event.id}: ${MAX_GENERATIONS} expired claims, giving up`);
}

function claimBody(state: Claim['state'], alertId: string, options: Pick<EventClaimOptions, 'owner' | 'leaseMs' | 'now'>): string {
  const now = (options.now ?? Date.now)();
  return JSON.stringify({ state, alert: alertId, owner: options.owner, at: new Date(now).toISOString(), leaseUntil: now + options.leaseMs } satisfies Claim);
}

export interface EventClaimer {
  claimsFor: (bucket: string) => ClaimStore;
  mode: ClaimMode;
  owner: string;
  leaseMs: number;
  concurrency: number;
  now?: () => number;
}

/**
 * The payload notify gets for `payload`: only the events this alert holds the claims of,
 * each with its claim's generation (for markEventsDelivered), and how many were repeats;
 * undefined when every event was alerted before (nothing is sent).
 */
export async function withoutRepeats(payload: NotifyPayload, claimer: EventClaimer): Promise<{ payload?: NotifyPayload; fresh: number; repeats: number }> {
  const { claimsFor, ...options } = claimer;
  const claimed = await claimEvents(payload.failures, alertId(payload), { ...options, store: claimsFor(payload.source.bucket) });
  const failures: Failure[] = claimed.fresh.map(({ event, generation }) => ({ ...event, claim: generation }));
  const repeats = claimed.repeats;
  if (failures.length === 0) return { fresh: 0, repeats };
  return { payload: { ...payload, failures, ...(repeats > 0 ? { repeats } : {}) }, fresh: failures.length, repeats };
}
