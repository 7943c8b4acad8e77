import { describe, expect, it } from 'vitest';
import { chunkPath, failedShares, parseOnly, selectedSizes } from '../../bench/config';

describe('bench options', () => {
  it('reads BENCH_FAILED_SHARES as sorted distinct percentages, 2 always among them', () => {
    expect(failedShares({})).toEqual([0, 2, 6, 30]);
    expect(failedShares({ BENCH_FAILED_SHARES: '' })).toEqual([0, 2, 6, 30]);
    expect(failedShares({ BENCH_FAILED_SHARES: '30, 6,6' })).toEqual([2, 6, 30]);
    expect(failedShares({ BENCH_FAILED_SHARES: '50%,0.5' })).toEqual([0.5, 2, 50]);
  });

  it.each(['x', '-1', '101', '2,,6'])('rejects BENCH_FAILED_SHARES=%s', (value) => {
    expect(() => failedShares({ BENCH_FAILED_SHARES: value })).toThrow(/BENCH_FAILED_SHARES/);
  });

  it('keeps the 2% chunk at its old path and names the others by share', () => {
    const spec = { label: '100MB', bytes: 100_000_000, gzip: true };
    expect(chunkPath(spec)).toMatch(/\/\.bench\/fscsm-100MB\.log$/);
    expect(chunkPath(spec, 2)).toMatch(/\/\.bench\/fscsm-100MB\.log$/);
    expect(chunkPath(spec, 6)).toMatch(/\/\.bench\/fscsm-100MB-f6\.log$/);
  });

  it('offers 2MB for smoke runs without adding it to the default sizes', () => {
    expect(selectedSizes({}).map((s) => s.label)).toEqual(['10MB', '100MB', '1GiB']);
    expect(selectedSizes({ BENCH_SIZES: '2mb' })).toEqual([{ label: '2MB', bytes: 2_000_000, gzip: false }]);
    expect(parseOnly({ BENCH_PARSE_ONLY: '1' })).toBe(true);
    expect(parseOnly({})).toBe(false);
  });
});
