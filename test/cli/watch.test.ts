import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../cli/watch';

describe('watch --every', () => {
  it('reads seconds, minutes and hours, and refuses anything else', () => {
    expect([parseDuration('90s'), parseDuration('5m'), parseDuration('1h'), parseDuration('30'), parseDuration('0.5m')]).toEqual([
      90_000, 300_000, 3_600_000, 30_000, 30_000,
    ]);
    expect([parseDuration('5 minutes'), parseDuration('0'), parseDuration('-1m'), parseDuration('')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
