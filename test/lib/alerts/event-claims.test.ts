// Event claims: one alert per FAILED event per container, whatever object, version or batch
// the event is read from; a lost alert is taken over, never suppressed.
import { describe, expect, it } from 'vitest';
import { claimEvents, markEventsDelivered, withoutRepeats, type EventClaimOptions } from '../../../lib/alerts/event-claims';
import type { ClaimStore } from '../../../lib/alerts/claims';
import { mapBounded } from '../../../lib/map-bounded';
import type { NotifyPayload } from '../../../lib/notify-payload';
import { memoryClaims } from '../../support/memory-claims';

const events = (...ids: string[]) => ids.map((id) => ({ id }));
const options = (store: ClaimStore, extra: Partial<EventClaimOptions> = {}): EventClaimOptions => ({
  store,
  mode: 'conditional',
  owner: 'test',
  leaseMs: 60_000,
  concurrency: 4,
  ...extra,
});

describe('claimEvents', () => {
  it('leaves out events another alert claimed, and counts them as repeats', async () => {
    const store = memoryClaims();
    const first = await claimEvents(events('a', 'b'), 'obj@1#1', options(store));
    const second = await claimEvents(events('a', 'b', 'c'), 'obj.1@2#1', options(store));
    expect(first.fresh.map((f) => f.event.id)).toEqual(['a', 'b']);
    expect(second.fresh.map((f) => f.event.id)).toEqual(['c']);
    expect(second.repeats).toBe(2);
  });

  it('gives a retried alert (same chunk version and batch) its own events again', async () => {
    const store = memoryClaims();
    await claimEvents(events('a', 'b'), 'obj@1#1', options(store));
    const retry = await claimEvents(events('a', 'b'), 'obj@1#1', options(store));
    expect(retry.fresh.map((f) => [f.event.id, f.generation])).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
  });

  it('drops delivered events for good, and takes over an expired claim that was never delivered', async () => {
    const store = memoryClaims();
    let clock = 1_000;
    const at = { now: () => clock };
    const first = await claimEvents(events('a', 'b'), 'obj@1#1', options(store, at));
    await markEventsDelivered([{ id: 'a', claim: first.fresh[0]?.generation }], 'obj@1#1', { store, owner: 'test', concurrency: 2, ...at });
    clock += 120_000; // b's alert was lost (notify crashed, dead-letter queue): its lease ran out
    const later = await claimEvents(events('a', 'b'), 'obj@2#1', options(store, at));
    expect(later.fresh.map((f) => [f.event.id, f.generation])).toEqual([['b', 1]]);
    expect(later.repeats).toBe(1);
  });

  it('takes over a damaged claim with the next generation instead of looping on it', async () => {
    const store = memoryClaims();
    await claimEvents(events('a'), 'obj@1#1', options(store));
    for (const key of store.objects.keys()) store.objects.set(key, 'not json');
    const later = await claimEvents(events('a'), 'obj@2#1', options(store));
    expect(later.fresh.map((f) => [f.event.id, f.generation])).toEqual([['a', 1]]);
  });

  it('counts an event listed twice in one batch once, the copy as a repeat', async () => {
    const claimed = await claimEvents(events('a', 'a', 'b'), 'obj@1#1', options(memoryClaims()));
    expect(claimed.fresh.map((f) => f.event.id)).toEqual(['a', 'b']);
    expect(claimed.repeats).toBe(1);
  });

  it('keeps the ids of two formats apart', async () => {
    const store = memoryClaims();
    await claimEvents([{ id: 'x' }], 'a@1#1', options(store));
    const cadf = await claimEvents([{ id: 'x', format: 'cadf' }], 'b@1#1', options(store));
    expect(cadf.fresh).toHaveLength(1);
  });

  it('lets one of ten concurrent duplicate deliveries have each event (conditional claims)', async () => {
    const store = memoryClaims();
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`);
    const runs = await Promise.all(Array.from({ length: 10 }, (_, n) => claimEvents(events(...ids), `copy-${n}@1#1`, options(store))));
    expect(runs.reduce((sum, r) => sum + r.fresh.length, 0)).toBe(50);
    expect(runs.reduce((sum, r) => sum + r.repeats, 0)).toBe(450);
  });

  it('claims the same with check-then-put when deliveries follow each other', async () => {
    const store = memoryClaims();
    const mode = { mode: 'check-then-put' as const };
    await claimEvents(events('a'), 'x@1#1', options(store, mode));
    expect((await claimEvents(events('a'), 'y@1#1', options(store, mode))).fresh).toHaveLength(0);
  });
});

describe('withoutRepeats', () => {
  const payload = (key: string, ids: string[]): NotifyPayload => ({
    schemaVersion: 1,
    source: { bucket: 'logs', key, etag: 'e' },
    records: `${key}.jsonl`,
    batch: 1,
    failures: ids.map((id, i) => ({ id, line: i + 1, timestamp: '2026-01-01T00:00:00Z', actor: 'u', operation: 'op', resourceType: 't', resourceIds: [], outcome: 'FAILED', raw: 'x' }) as unknown as NotifyPayload['failures'][number]),
  });
  const claimer = (store: ClaimStore) => ({ claimsFor: () => store, mode: 'conditional' as const, owner: 't', leaseMs: 60_000, concurrency: 4 });

  it('sends the new events with their claim generations and says how many were repeats', async () => {
    const store = memoryClaims();
    await withoutRepeats(payload('log', ['a']), claimer(store));
    const next = await withoutRepeats(payload('log.1', ['a', 'b']), claimer(store));
    expect(next.payload?.failures.map((f) => [f.id, f.claim])).toEqual([['b', 0]]);
    expect(next.payload?.repeats).toBe(1);
  });

  it('sends nothing for a batch of repeats only', async () => {
    const store = memoryClaims();
    await withoutRepeats(payload('log', ['a', 'b']), claimer(store));
    expect(await withoutRepeats(payload('log.1', ['b', 'a']), claimer(store))).toEqual({ fresh: 0, repeats: 2 });
  });
});

describe('mapBounded', () => {
  it('keeps at most the limit in flight and the results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('rejects with the first error and starts no new call after it', async () => {
    const started: number[] = [];
    await expect(
      mapBounded([1, 2, 3, 4], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('store down');
        return Promise.resolve(n);
      }),
    ).rejects.toThrow('store down');
    expect(started).toEqual([1, 2]);
  });
});
