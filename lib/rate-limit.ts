// At most `perSecond` starts a second, spread evenly: each caller waits for its own slot.
// For hand-offs (backfill --via-lambda) that must not exceed an account's invoke rate or
// the function's reserved concurrency.

export function rateLimiter(perSecond: number, now: () => number = Date.now, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): () => Promise<void> {
  const interval = 1000 / perSecond;
  let next = 0;
  return async () => {
    const t = now();
    const slot = Math.max(t, next);
    next = slot + interval;
    if (slot > t) await sleep(slot - t);
  };
}
