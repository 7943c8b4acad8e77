// Exactly-once alert delivery over at-least-once inputs (S3 events, async invokes), using
// claim objects in the store. Before delivering alert X to a sink, an invocation creates the
// claim object for X; only the one that created it delivers, then marks it delivered.
//
// - "conditional": the claim is created with `If-None-Match: *` (AWS S3, Ceph): atomic, so
//   concurrent duplicates cannot both win.
// - "check-then-put": a read, then a plain write (Swift, s3rver, which lack conditional
//   puts): sequential duplicates are caught, two truly simultaneous ones may both deliver.
//
// A claim holds a lease. If its holder dies before marking it, the claim expires and the
// next attempt takes over with the next generation of the claim key (again created only if
// absent), so a crash delays an alert but does not lose it. A failed delivery releases the
// claim at once, so the retry can take it.

import { createHash } from 'node:crypto';
import { CLAIMS_PREFIX } from '../keys';

export type ClaimMode = 'conditional' | 'check-then-put';

export interface ClaimStore {
  /** Writes only if no object exists at `key`; 'exists' otherwise. */
  putIfAbsent(key: string, body: string): Promise<'created' | 'exists'>;
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface Claim {
  state: 'claimed' | 'delivered';
  alert: string;
  owner: string;
  at: string;
  leaseUntil: number;
}

export interface ClaimOptions {
  store: ClaimStore;
  mode: ClaimMode;
  /** Who claims (the request id), for the record. */
  owner: string;
  leaseMs: number;
  /** No new poll or attempt starts after this epoch ms. */
  deadline: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
}

export type Outcome = 'delivered' | 'duplicate';

/** Another invocation holds a live claim and did not finish in time: retry later. */
export class ClaimBusyError extends Error {
  override readonly name = 'ClaimBusyError';
}

export const MAX_GENERATIONS = 50;

/** The claim key for an alert and a sink: hashed, so any source key gives a short, safe key. */
export function claimKey(alertId: string, sink: string, generation: number): string {
  const digest = createHash('sha256').update(`${alertId}\u0000${sink}`).digest('hex');
  return `${CLAIMS_PREFIX}${digest.slice(0, 2)}/${digest}.${generation}`;
}

export async function deliverOnce(
  alertId: string,
  sink: string,
  deliver: () => Promise<void>,
  options: ClaimOptions,
): Promise<Outcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const body = (state: Claim['state']): string =>
    JSON.stringify({ state, alert: `${alertId} -> ${sink}`, owner: options.owner, at: new Date(now()).toISOString(), leaseUntil: now() + options.leaseMs } satisfies Claim);

  let generation = 0;
  let key = claimKey(alertId, sink, generation);
  for (;;) {
    if (now() >= options.deadline) throw new ClaimBusyError(`alert ${alertId} to ${sink}: no time left to claim it`);
    const created = await createClaim(options, key, body('claimed'));
    if (created) break;
    const held = parseClaim(await options.store.get(key));
    if (held === undefined) continue; // released between our write and read: try again
    if (held.state === 'delivered') return 'duplicate';
    if (held.leaseUntil <= now()) {
      // The holder died without finishing: take over with the next generation.
      generation += 1;
      if (generation >= MAX_GENERATIONS) throw new Error(`alert ${alertId}: ${MAX_GENERATIONS} expired claims, giving up`);
      key = claimKey(alertId, sink, generation);
      continue;
    }
    // A live claim: the holder is delivering now. Wait for it to finish or to let go.
    const wait = options.pollMs ?? 500;
    if (now() + wait >= options.deadline) throw new ClaimBusyError(`alert ${alertId} to ${sink} is being delivered by ${held.owner}`);
    await sleep(wait);
  }

  try {
    await deliver();
  } catch (err) {
    await options.store.delete(key).catch(() => undefined); // best effort: else the lease expires
    throw err;
  }
  await options.store.put(key, body('delivered'));
  return 'delivered';
}

/** Creates the claim at `key` if none is there: atomically (conditional) or read-then-write. */
export async function createClaim(options: Pick<ClaimOptions, 'store' | 'mode'>, key: string, body: string): Promise<boolean> {
  if (options.mode === 'conditional') return (await options.store.putIfAbsent(key, body)) === 'created';
  if ((await options.store.get(key)) !== undefined) return false;
  await options.store.put(key, body);
  return true;
}

/** A claim as read back; a damaged one counts as expired, so that nothing is suppressed by it. */
export function parseClaim(text: string | undefined): Claim | undefined {
  if (text === undefined) return undefined;
  try {
    const c = JSON.parse(text) as Partial<Claim>;
    if ((c.state === 'claimed' || c.state === 'delivered') && typeof c.leaseUntil === 'number') return c as Claim;
  } catch {
    /* a damaged claim is treated as expired below */
  }
  // Unreadable claim: treat as an expired one so that the alert is not lost.
  return { state: 'claimed', alert: '', owner: 'unknown', at: '', leaseUntil: 0 };
}
