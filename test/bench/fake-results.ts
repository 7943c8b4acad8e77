// A small Results value for the report, figures and chart tests: 100MB at four FAILED
// shares and 1GiB at 2%, with ours, the peers and the readline floor on each.
import type { ChunkInfo, ParseMeasurement, ParseTool, Results } from '../../bench/results';
import { evaluateTargets } from '../../bench/results';

const machine = { nproc: 2, cpu: 'Test CPU', memoryGiB: 8, node: 'v22.0.0', os: 'Test OS', lognormalizer: '2.0.6', miller: 'mlr 6.6.0', jq: 'jq-1.6', loadAverage: { start: 0.1, end: 0.2 } };

function chunk(size: string, share: number, bytes: number): ChunkInfo {
  const label = share === 2 ? size : `${size}-f${share}`;
  return { label, size, failedShare: share, path: `.bench/fscsm-${label}.log`, bytes, plainBytes: bytes, compression: 'none', lines: bytes / 100, failed: (bytes / 100) * (share / 100) };
}

/** MB/s per tool: ours slows down with the FAILED share; the peers do not. */
export function fakeResults(oursAt: (share: number) => number = (share) => 80 - share): Results {
  const chunks = [chunk('100MB', 0, 1e8), chunk('100MB', 2, 1e8), chunk('100MB', 6, 1e8), chunk('100MB', 30, 1e8), chunk('1GiB', 2, 1e9)];
  const speeds = (share: number): Partial<Record<ParseTool, number>> => ({ ours: oursAt(share), 'lognormalizer-structured': 20, 'lognormalizer-split': 40, miller: 30, jq: 10, readline: 100 });
  const parse: ParseMeasurement[] = chunks.flatMap((c) =>
    Object.entries(speeds(c.failedShare ?? 2)).map(([tool, mbPerSec]) => {
      const seconds = c.plainBytes / 1e6 / mbPerSec;
      return { chunk: c.label, tool: tool as ParseTool, seconds, runs: [seconds * 0.9, seconds, seconds * 1.1], mbPerSec, maxRssKiB: 2048, parsedLines: c.lines, outputLines: c.lines, command: `${tool} ${c.path}` };
    }),
  );
  const partial = {
    command: 'npm run bench',
    startedAt: '2026-12-07T12:00:00.000Z',
    durationSeconds: 60,
    machine,
    chunks,
    parse,
    ingest: [
      { chunk: '1GiB', mode: 'ingest' as const, seconds: 60, runs: [60], mbPerSec: 17, maxRssKiB: 120 * 1024, outputBytes: 4e9 },
      { chunk: '1GiB', mode: 'ingest-gzip' as const, seconds: 30, runs: [30], mbPerSec: 33, maxRssKiB: 110 * 1024, outputBytes: 5e8 },
      { chunk: '1GiB', mode: 'copy' as const, seconds: 14, runs: [14], mbPerSec: 75, maxRssKiB: 140 * 1024, outputBytes: 1e9 },
    ],
    packages: [],
  };
  return { ...partial, targets: evaluateTargets(partial) };
}
