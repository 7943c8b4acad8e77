import { describe, expect, it } from 'vitest';
import { PermanentError, withRetry } from '../../../lib/alerts/retry';

function clock() {
  let t = 0;
  const sleeps: number[] = [];
  return { now: () => t, sleep: (ms: number) => Promise.resolve(void ((t += ms), sleeps.push(ms))), sleeps };
}

describe('withRetry', () => {
  it('retries with exponential backoff under full jitter until it succeeds', async () => {
    const c = clock();
    let calls = 0;
    const result = await withRetry(() => (++calls < 4 ? Promise.reject(new Error('503')) : Promise.resolve('ok')), {
      deadline: 60_000,
      baseMs: 100,
      now: c.now,
      sleep: c.sleep,
      random: () => 0.999,
    });
    expect(result).toBe('ok');
    expect(c.sleeps).toEqual([99, 199, 399]);
  });

  it('caps the delay', async () => {
    const c = clock();
    let calls = 0;
    await withRetry(() => (++calls < 8 ? Promise.reject(new Error('x')) : Promise.resolve()), {
      deadline: 1e9,
      baseMs: 100,
      maxDelayMs: 1000,
      now: c.now,
      sleep: c.sleep,
      random: () => 0.999,
    });
    expect(Math.max(...c.sleeps)).toBe(999);
  });

  it('gives up with the last error when the next wait would pass the deadline', async () => {
    const c = clock();
    let calls = 0;
    await expect(
      withRetry(() => Promise.reject(new Error(`fail ${++calls}`)), { deadline: 1000, baseMs: 300, now: c.now, sleep: c.sleep, random: () => 0.999 }),
    ).rejects.toThrow(/fail 3/);
    expect(c.now()).toBeLessThan(1000);
  });

  it('starts no retry that would have less than minAttemptMs before the deadline, and throws the last real error', async () => {
    const c = clock();
    let calls = 0;
    // Without the margin a third attempt would start at t = 898 with 102 ms left (previous test).
    await expect(
      withRetry(() => Promise.reject(new Error(`fail ${++calls}`)), {
        deadline: 1000,
        baseMs: 300,
        minAttemptMs: 200,
        now: c.now,
        sleep: c.sleep,
        random: () => 0.999,
      }),
    ).rejects.toThrow(/^fail 2$/);
    expect(c.sleeps).toEqual([299]);
  });

  it('does not retry a permanent error', async () => {
    let calls = 0;
    await expect(withRetry(() => Promise.reject(new PermanentError(`HTTP 404 ${++calls}`)), { deadline: Date.now() + 10_000 })).rejects.toThrow('HTTP 404 1');
  });
});
