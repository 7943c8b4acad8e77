import { describe, expect, it } from 'vitest';
import { ClaimBusyError, claimKey, deliverOnce, type ClaimOptions } from '../../../lib/alerts/claims';
import { CLAIMS_PREFIX } from '../../../lib/keys';
import { memoryClaims } from '../../support/memory-claims';

const opts = (store: ReturnType<typeof memoryClaims>, extra: Partial<ClaimOptions> = {}): ClaimOptions => ({
  store,
  mode: 'conditional',
  owner: 'req',
  leaseMs: 60_000,
  deadline: Date.now() + 10_000,
  pollMs: 5,
  ...extra,
});

describe('deliverOnce', () => {
  it('delivers once and reports later deliveries of the same alert as duplicates', async () => {
    const store = memoryClaims();
    let sent = 0;
    const deliver = () => Promise.resolve(void (sent += 1));
    expect(await deliverOnce('a#1', 'webhook', deliver, opts(store))).toBe('delivered');
    for (let i = 0; i < 9; i++) expect(await deliverOnce('a#1', 'webhook', deliver, opts(store))).toBe('duplicate');
    expect(sent).toBe(1);
  });

  it('lets exactly one of ten concurrent duplicates deliver with conditional claims', async () => {
    const store = memoryClaims();
    let sent = 0;
    const deliver = async () => {
      await new Promise((r) => setTimeout(r, 20));
      sent += 1;
    };
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => deliverOnce('a#1', 'webhook', deliver, opts(store))));
    expect(sent).toBe(1);
    expect(outcomes.filter((o) => o === 'delivered')).toHaveLength(1);
  });

  it('keeps separate claims per sink, so one sink failing does not re-send to another', async () => {
    const store = memoryClaims();
    await deliverOnce('a#1', 'webhook', () => Promise.resolve(), opts(store));
    expect(await deliverOnce('a#1', 'sns', () => Promise.resolve(), opts(store))).toBe('delivered');
  });

  it('releases the claim when delivery fails, so a retry delivers', async () => {
    const store = memoryClaims();
    await expect(deliverOnce('a#1', 'webhook', () => Promise.reject(new Error('down')), opts(store))).rejects.toThrow('down');
    let sent = 0;
    expect(await deliverOnce('a#1', 'webhook', () => Promise.resolve(void (sent += 1)), opts(store))).toBe('delivered');
    expect(sent).toBe(1);
  });

  it('takes over an expired claim left by a crashed invocation (next generation)', async () => {
    const store = memoryClaims();
    store.objects.set(claimKey('a#1', 'webhook', 0), JSON.stringify({ state: 'claimed', owner: 'dead', leaseUntil: Date.now() - 1 }));
    expect(await deliverOnce('a#1', 'webhook', () => Promise.resolve(), opts(store))).toBe('delivered');
    expect(JSON.parse(store.objects.get(claimKey('a#1', 'webhook', 1)) ?? '{}')).toMatchObject({ state: 'delivered' });
    expect(await deliverOnce('a#1', 'webhook', () => Promise.resolve(), opts(store))).toBe('duplicate');
  });

  it('waits for a live claim and fails with ClaimBusyError when it outlasts the deadline', async () => {
    const store = memoryClaims();
    store.objects.set(claimKey('a#1', 'webhook', 0), JSON.stringify({ state: 'claimed', owner: 'other', leaseUntil: Date.now() + 60_000 }));
    await expect(deliverOnce('a#1', 'webhook', () => Promise.resolve(), opts(store, { deadline: Date.now() + 50 }))).rejects.toBeInstanceOf(ClaimBusyError);
  });

  it('sees a live claim turn delivered while waiting and skips', async () => {
    const store = memoryClaims();
    const key = claimKey('a#1', 'webhook', 0);
    store.objects.set(key, JSON.stringify({ state: 'claimed', owner: 'other', leaseUntil: Date.now() + 60_000 }));
    setTimeout(() => store.objects.set(key, JSON.stringify({ state: 'delivered', owner: 'other', leaseUntil: 0 })), 30);
    expect(await deliverOnce('a#1', 'webhook', () => Promise.reject(new Error('must not send')), opts(store))).toBe('duplicate');
  });

  it('catches sequential duplicates in check-then-put mode (the fallback for stores without conditional puts)', async () => {
    const store = memoryClaims();
    let sent = 0;
    for (let i = 0; i < 10; i++) await deliverOnce('a#1', 'webhook', () => Promise.resolve(void (sent += 1)), opts(store, { mode: 'check-then-put' }));
    expect(sent).toBe(1);
  });

  it('keeps claim keys under the claims prefix, short and free of the source key', () => {
    const key = claimKey('logs/../../etc/passwd x@e#1', 'webhook', 3);
    expect(key.startsWith(CLAIMS_PREFIX)).toBe(true);
    expect(key).toMatch(/^\.audit-ingest\/claims\/[0-9a-f]{2}\/[0-9a-f]{64}\.3$/);
  });
});
