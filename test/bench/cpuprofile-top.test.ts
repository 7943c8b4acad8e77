import { describe, expect, it } from 'vitest';
import { timeline, topSelfTime, type CpuProfile } from '../../bench/cpuprofile-top';

const frame = (functionName: string) => ({ functionName, url: '', lineNumber: 0, columnNumber: 0 });

// Samples every 10 ms: parse, parse, idle, (gc), parse, idle; each sample owns the delta to the next.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('parse') },
    { id: 3, callFrame: frame('(idle)') },
    { id: 4, callFrame: frame('(garbage collector)') },
  ],
  startTime: 0,
  endTime: 70_000,
  samples: [2, 2, 3, 4, 2, 3, 3],
  timeDeltas: [0, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000],
};

describe('cpuprofile summary', () => {
  it('splits the sampled time into idle, GC and busy per slice', () => {
    expect(timeline(profile, 30)).toEqual([
      { startMs: 0, idleMs: 10, gcMs: 0, busyMs: 20 },
      { startMs: 30, idleMs: 10, gcMs: 10, busyMs: 10 },
      { startMs: 60, idleMs: 0, gcMs: 0, busyMs: 0 },
    ]);
  });

  it('gives each function the time to the next sample as self time', () => {
    const { totalMs, top } = topSelfTime(profile, 2);
    expect(totalMs).toBe(60);
    expect(top.map((f) => [f.name, f.selfMs])).toEqual([
      ['parse', 30],
      ['(idle)', 20],
    ]);
  });
});
