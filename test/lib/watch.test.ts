import { describe, expect, it } from 'vitest';
import { nextDelay, watch } from '../../lib/watch';
import type { SweepReport } from '../../lib/sweep';
import { memoryLogger } from '../support/memory-store';

const report = (processed: number): SweepReport => ({
  listed: processed,
  chunks: processed,
  upToDate: 0,
  processed,
  stale: [],
  failed: [],
  totals: { parsed: processed, errors: 0, failedOperations: 0 },
  complete: true,
});

/** A clock that only moves when the loop sleeps or a pass takes time. */
function clock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => (t += ms),
    sleeps,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

describe('watch', () => {
  it('runs a pass per period, logging one line per pass, until its signal is aborted', async () => {
    const c = clock();
    const log = memoryLogger();
    const stop = new AbortController();
    let n = 0;
    const result = await watch(
      () => {
        c.advance(1_000); // each pass takes 1 s
        if (++n === 3) stop.abort();
        return Promise.resolve(report(n));
      },
      { everyMs: 60_000, signal: stop.signal, log, now: c.now, sleep: c.sleep },
    );
    expect(result).toEqual({ passes: 3, failedPasses: 0 });
    expect(c.sleeps).toEqual([59_000, 59_000]); // the period less the pass; none after the last
    const lines = log.lines.filter((l) => l.message === 'watch pass');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatchObject({ pass: 2, processed: 2, durationMs: 1_000, nextInMs: 59_000 });
    expect(lines[2]).toMatchObject({ pass: 3, stopping: true });
  });

  it('survives failing passes with a doubling backoff, and returns to the period once one succeeds', async () => {
    const c = clock();
    const log = memoryLogger();
    const stop = new AbortController();
    let n = 0;
    await watch(
      () => {
        n += 1;
        if (n === 6) stop.abort();
        return n <= 4 ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8080')) : Promise.resolve(report(1));
      },
      { everyMs: 60_000, signal: stop.signal, log, now: c.now, sleep: c.sleep, initialBackoffMs: 5_000, maxBackoffMs: 30_000 },
    );
    expect(c.sleeps).toEqual([5_000, 10_000, 20_000, 30_000, 60_000]);
    const failed = log.lines.filter((l) => l.message === 'watch pass failed');
    expect(failed).toHaveLength(4);
    expect(failed[3]).toMatchObject({ level: 'warn', failuresInRow: 4, error: { message: 'connect ECONNREFUSED 127.0.0.1:8080' } });
  });

  it('passes its signal to the pass and does not sleep once aborted during a pass', async () => {
    const c = clock();
    const stop = new AbortController();
    let seen: AbortSignal | undefined;
    await watch(
      (signal) => {
        seen = signal;
        stop.abort();
        return Promise.resolve(report(0));
      },
      { everyMs: 1_000, signal: stop.signal, log: memoryLogger(), now: c.now, sleep: c.sleep },
    );
    expect(seen).toBe(stop.signal);
    expect(c.sleeps).toEqual([]);
  });

  it('starts the next pass at once when a pass outlasts the period', () => {
    expect(nextDelay(60_000, 90_000, 0, 5_000, 300_000)).toBe(0);
    expect(nextDelay(60_000, 1_000, 20, 5_000, 300_000)).toBe(300_000);
  });
});
