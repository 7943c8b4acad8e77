import { describe, expect, it } from 'vitest';
import { rateLimiter } from '../../lib/rate-limit';

describe('rateLimiter', () => {
  it('spreads starts evenly at the rate, the first at once', async () => {
    let t = 1_000;
    const waits: number[] = [];
    const slot = rateLimiter(4, () => t, (ms) => {
      waits.push(ms);
      return Promise.resolve();
    });
    await Promise.all([slot(), slot(), slot(), slot()]);
    expect(waits).toEqual([250, 500, 750]);
    t += 2_000; // idle: no debt is carried over
    await slot();
    expect(waits).toHaveLength(3);
  });
});
