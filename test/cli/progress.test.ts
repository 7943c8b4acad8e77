import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bytesText, durationText, progressLine, progressText } from '../../cli/progress';
import type { SweepProgress, SweepReport } from '../../lib/sweep';

const report: SweepReport = {
  listed: 600,
  chunks: 300,
  upToDate: 100,
  processed: 50,
  stale: [],
  failed: [{ key: 'k', error: 'e' }],
  totals: { parsed: 0, errors: 0, failedOperations: 0 },
  complete: false,
};
const progress: SweepProgress = { candidates: 300, candidateBytes: 3_000_000_000, done: 151, doneBytes: 1_510_000_000, ingestedBytes: 500_000_000, listingComplete: true };

describe('backfill progress', () => {
  it('shows chunks and bytes done of those listed, the rate over ingested bytes, and the ETA of the rest', () => {
    // 500 MB ingested in 10 s: 50 MB/s; 1.49 GB left: 30 s.
    expect(progressText(report, progress, 10_000)).toBe(
      '151/300 chunks · 1.5 GB/3.0 GB · 50.0 MB/s · 5.0 chunks/s · ETA 30s · 50 processed · 100 up to date · 1 failed',
    );
  });

  it('marks totals as growing while the listing goes on', () => {
    expect(progressText(report, { ...progress, listingComplete: false }, 10_000)).toContain('151/300+ chunks · 1.5 GB/3.0 GB+');
    expect(progressText(report, { ...progress, ingestedBytes: 0 }, 10_000)).toContain('ETA …');
  });

  it('formats sizes and durations for people', () => {
    expect([bytesText(999), bytesText(10_500_000), durationText(59_400), durationText(3_725_000), durationText(7_300_000)]).toEqual([
      '999 B',
      '10.5 MB',
      '59s',
      '1h02m',
      '2h01m',
    ]);
  });

  it('writes nothing when stderr is not a terminal', () => {
    const stderr = new PassThrough();
    let written = '';
    stderr.on('data', (b: Buffer) => (written += b.toString()));
    const line = progressLine({ stdout: new PassThrough(), stderr, env: {} });
    line.update(report, progress);
    line.done();
    expect(written).toBe('');
  });

  it('redraws one line on a terminal and ends it', () => {
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    let written = '';
    stderr.on('data', (b: Buffer) => (written += b.toString()));
    let t = 0;
    const line = progressLine({ stdout: new PassThrough(), stderr, env: {} }, () => t);
    t = 10_000;
    line.update(report, progress);
    line.done();
    expect(written.startsWith('\r')).toBe(true);
    expect(written).toContain('ETA 30s');
    expect(written.endsWith('\n')).toBe(true);
  });
});
