// docs/bench-parse.json: the parse figures of a run in a form meant to be read back (by
// `npm run bench:chart`, by a later run, by people): per chunk, FAILED share and tool the
// median and range of MB/s and seconds, the exact command, and ours ÷ the fastest peer and
// ÷ the readline floor. Built from .bench/results.json, which stays the complete record.

import { MEGABYTE } from './config';
import { fastestPeer, PARSE_TOOLS, type ChunkInfo, type Machine, type ParseTool, type Results } from './results';

/** What a chunk holds: the TAB layout at a FAILED share, or one of the other rows. */
export type ChunkKind = 'tab' | 'mixed' | 'cadf' | 'gzip' | 'fluentbit';

export interface Range {
  median: number;
  min: number;
  max: number;
}

export interface ParseRow {
  chunk: string;
  size: string;
  kind: ChunkKind;
  failedShare: number;
  tool: ParseTool;
  command: string | undefined;
  /** Plain MB (10^6 B) per second: median run, slowest and fastest run. */
  mbPerSec: Range;
  seconds: Range;
  runs: number;
  maxRssKiB: number | undefined;
}

export interface ChunkRatios {
  chunk: string;
  size: string;
  kind: ChunkKind;
  failedShare: number;
  fastestPeer: ParseTool | undefined;
  oursOverFastestPeer: number | undefined;
  oursOverReadline: number | undefined;
}

export interface ParseFigures {
  /** The command of the run these figures come from (a smoke run says so: BENCH_SIZES=2MB …). */
  generatedBy: string;
  /** Only the 2MB size, which exists for smoke runs: the figures show that the bench works, not how fast anything is. */
  smoke: boolean;
  startedAt: string;
  machine: Machine;
  failedShares: number[];
  sizes: string[];
  tools: ParseTool[];
  rows: ParseRow[];
  ratios: ChunkRatios[];
}

export function chunkKind(c: ChunkInfo): ChunkKind {
  if (c.variant !== undefined) return c.variant;
  if (c.envelope !== undefined) return c.envelope;
  return c.compression === 'gzip' ? 'gzip' : 'tab';
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** The size that exists for smoke runs only (config.ts). */
export const SMOKE_SIZE = '2MB';

export function parseFigures(r: Results): ParseFigures {
  const rows: ParseRow[] = [];
  const ratios: ChunkRatios[] = [];
  for (const c of r.chunks) {
    const base = { chunk: c.label, size: c.size ?? c.label, kind: chunkKind(c), failedShare: c.failedShare ?? 2 };
    const mb = c.plainBytes / MEGABYTE;
    for (const tool of PARSE_TOOLS) {
      const m = r.parse.find((p) => p.chunk === c.label && p.tool === tool);
      if (!m || m.runs.length === 0) continue;
      const fastest = Math.min(...m.runs);
      const slowest = Math.max(...m.runs);
      rows.push({
        ...base,
        tool,
        command: m.command,
        mbPerSec: { median: round(m.mbPerSec, 2), min: round(mb / slowest, 2), max: round(mb / fastest, 2) },
        seconds: { median: round(m.seconds, 4), min: round(fastest, 4), max: round(slowest, 4) },
        runs: m.runs.length,
        maxRssKiB: m.maxRssKiB,
      });
    }
    const ours = r.parse.find((p) => p.chunk === c.label && p.tool === 'ours');
    const peer = fastestPeer(r.parse, c.label);
    const floor = r.parse.find((p) => p.chunk === c.label && p.tool === 'readline');
    ratios.push({
      ...base,
      fastestPeer: peer?.tool,
      oursOverFastestPeer: ours && peer ? round(ours.mbPerSec / peer.mbPerSec, 3) : undefined,
      oursOverReadline: ours && floor ? round(ours.mbPerSec / floor.mbPerSec, 3) : undefined,
    });
  }
  const sizes = [...new Set(r.chunks.map((c) => c.size ?? c.label))];
  return {
    generatedBy: r.command,
    smoke: sizes.every((s) => s === SMOKE_SIZE),
    startedAt: r.startedAt,
    machine: r.machine,
    failedShares: [...new Set(r.chunks.map((c) => c.failedShare ?? 2))].sort((a, b) => a - b),
    sizes,
    tools: PARSE_TOOLS.filter((t) => rows.some((row) => row.tool === t)),
    rows,
    ratios,
  };
}
