// The shape of .bench/results.json, and the targets of issues #6 and #21 evaluated on it.

import { INGEST_OUTPUT_MODES, outputLabel, type IngestMode } from './ingest-modes';
import type { FunctionPackage } from './package-size';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  os: string;
  lognormalizer: string;
  /** Versions of the other peers (absent before issue 21). */
  miller?: string;
  jq?: string;
  /** 1-minute load average when the run started and ended: other work on the machine skews timings. */
  loadAverage: { start: number; end: number };
}

export interface ChunkInfo {
  /** "10MB", "100MB", "1GiB", "100MB.gz"; "100MB-f6" for another FAILED share, "100MB.mixed", "100MB.cadf". */
  label: string;
  /** The size it was generated for ("100MB"); absent in results from before issue 21 (= label). */
  size?: string;
  /** FAILED share in percent; absent in results from before issue 21 (2). */
  failedShare?: number;
  /** The .mixed copy (12-hour and space-separated lines among TAB ones) or the CADF JSON Lines chunk. */
  variant?: 'mixed' | 'cadf';
  path: string;
  /** Bytes on disk (compressed for the gzip chunk). */
  bytes: number;
  /** Bytes of plain text; throughput is always plain MB per second, so gzip is comparable. */
  plainBytes: number;
  compression: 'none' | 'gzip';
  lines: number;
  failed: number;
  /** Set on a shipper-enveloped copy of a chunk (issue 17): the same lines in Fluent Bit's `s3` JSON Lines. */
  envelope?: 'fluentbit';
  /** For an enveloped chunk: the label of the raw chunk it wraps. */
  wraps?: string;
}

/**
 * 'ours-ca-bundle': ours again with the NODE_EXTRA_CA_CERTS this machine sets for every process
 * (the other tools run without it; see CA_BUNDLE_VARIABLE in config.ts). Shown, not judged.
 */
export type ParseTool = 'ours' | 'ours-ca-bundle' | 'lognormalizer-structured' | 'lognormalizer-split' | 'miller' | 'jq' | 'readline' | 'sink';

/**
 * The other parsers ours is compared with (readline is the floor, not a peer; 'sink' is `cat`
 * of ours' own output into the same pipe: what moving ours' bytes through the sink costs).
 */
export const PEERS: readonly ParseTool[] = ['lognormalizer-structured', 'lognormalizer-split', 'miller', 'jq'];
/** Order of tools in tables, the JSON and the chart. */
export const PARSE_TOOLS: readonly ParseTool[] = ['ours', 'ours-ca-bundle', ...PEERS, 'readline', 'sink'];

export interface ParseMeasurement {
  chunk: string;
  tool: ParseTool;
  /** Median wall time of the process, start-up included. */
  seconds: number;
  runs: number[];
  mbPerSec: number;
  maxRssKiB: number | undefined;
  /** Lines the tool reports as parsed (or counted, for readline): must equal the chunk's lines. */
  parsedLines: number;
  /** The exact command line, paths relative to the project (absent before issue 21). */
  command?: string;
  /** Lines the tool printed on stdout (counted by the bench, every run): one record per input line. */
  outputLines?: number;
}

export interface IngestMeasurement {
  chunk: string;
  mode: IngestMode;
  /** Median time inside the child, GetObject to the last upload (process start-up excluded). */
  seconds: number;
  runs: number[];
  mbPerSec: number;
  /** Peak RSS the child reports for itself (process.resourceUsage().maxRSS), highest of the runs. */
  maxRssKiB: number;
  outputBytes: number;
  parsedLines?: number;
  /** Median CPU seconds of the child (user + system) and of the store process during the run. */
  childCpuSeconds?: number;
  storeCpuSeconds?: number;
}

export interface Target {
  /** The issue whose target this is; absent means 6 (results from before issue 21). */
  issue?: number;
  name: string;
  value: number | undefined;
  target: string;
  met: boolean | undefined;
  note?: string;
}

export interface Results {
  command: string;
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  chunks: ChunkInfo[];
  parse: ParseMeasurement[];
  ingest: IngestMeasurement[];
  packages: FunctionPackage[];
  targets: Target[];
}

const MIB = 1024;

function find<T extends { chunk: string }>(rows: T[], chunk: string, pick: (r: T) => boolean): T | undefined {
  return rows.find((r) => r.chunk === chunk && pick(r));
}

/** Evaluates the issue's targets; a target whose inputs were not measured stays undecided. */
export function evaluateTargets(r: Omit<Results, 'targets'>): Target[] {
  const targets: Target[] = [];
  // Issue 6 judged the 2% chunks (plain and gzip); the other shares and variants are issue 21's.
  for (const chunk of r.chunks.filter((c) => (c.failedShare ?? 2) === 2 && c.variant === undefined)) {
    const ours = find(r.parse, chunk.label, (m) => m.tool === 'ours');
    const structured = find(r.parse, chunk.label, (m) => m.tool === 'lognormalizer-structured');
    if (ours && structured) {
      const v = ours.mbPerSec / structured.mbPerSec;
      targets.push({ name: `parse ${chunk.label}: ours / lognormalizer (structured rulebase)`, value: v, target: '≥ 1.5', met: v >= 1.5 });
    }
    const copy = find(r.ingest, chunk.label, (m) => m.mode === 'copy');
    for (const mode of INGEST_OUTPUT_MODES) {
      const ingest = find(r.ingest, chunk.label, (m) => m.mode === mode);
      if (!ingest || !copy) continue;
      const v = ingest.mbPerSec / copy.mbPerSec;
      targets.push({
        name: `ingest ${chunk.label}: ingest (${outputLabel(mode)}) / plain copy throughput`,
        value: v,
        target: '≥ 0.5',
        met: v >= 0.5,
        // The copy moves the object as stored: for gzip, a sixth of the bytes ingest inflates.
        ...(chunk.compression === 'gzip' ? { note: 'copy moves the compressed bytes' } : mode === 'ingest' ? { note: 'uploads ~3.8× the bytes the copy does' } : {}),
      });
    }
  }
  // The shipper stage costs at most twice the raw path on the same lines (issue 17).
  for (const chunk of r.chunks) {
    if (chunk.envelope === undefined || chunk.wraps === undefined) continue;
    const wrapped = find(r.parse, chunk.label, (m) => m.tool === 'ours');
    const raw = find(r.parse, chunk.wraps, (m) => m.tool === 'ours');
    const v = wrapped && raw ? wrapped.seconds / raw.seconds : undefined;
    targets.push({ name: `parse ${chunk.label}: time / time of the raw ${chunk.wraps}`, value: v, target: '≤ 2', met: v === undefined ? undefined : v <= 2, note: 'same lines, 1.7× the bytes' });
  }
  const big = find(r.ingest, '1GiB', (m) => m.mode === 'ingest');
  const small = find(r.ingest, '10MB', (m) => m.mode === 'ingest');
  targets.push({
    name: 'ingest 1GiB: peak RSS (MiB)',
    value: big ? big.maxRssKiB / MIB : undefined,
    target: '≤ 128',
    met: big ? big.maxRssKiB / MIB <= 128 : undefined,
    ...(big ? {} : { note: '1GiB not measured' }),
  });
  targets.push({
    name: 'ingest peak RSS: 1GiB / 10MB',
    value: big && small ? big.maxRssKiB / small.maxRssKiB : undefined,
    target: '≤ 1.2',
    met: big && small ? big.maxRssKiB / small.maxRssKiB <= 1.2 : undefined,
    ...(big && small ? {} : { note: 'needs both 1GiB and 10MB' }),
  });
  return [...targets.map((t) => ({ issue: 6, ...t })), ...issue21Targets(r)];
}

/** The sizes issue 21 judges; the others are shown for reference. */
const ISSUE21_SIZES = ['100MB', '1GiB'];
const ISSUE21_MAX_SHARE = 30;

/** The fastest peer that ran on a chunk, by median MB/s. */
export function fastestPeer(parse: ParseMeasurement[], chunk: string): ParseMeasurement | undefined {
  let best: ParseMeasurement | undefined;
  for (const m of parse) if (m.chunk === chunk && PEERS.includes(m.tool) && (best === undefined || m.mbPerSec > best.mbPerSec)) best = m;
  return best;
}

/** A plain FSCSM chunk at some FAILED share (not gzip, not an envelope or variant). */
export function isShareChunk(c: ChunkInfo): boolean {
  return c.compression === 'none' && c.envelope === undefined && c.variant === undefined;
}

/**
 * Issue 21: ours ≥ 1.5× the fastest peer at every FAILED share up to 30% on 100MB and 1GiB;
 * ≥ 0.9× the readline floor at 2%; the ingest child's peak RSS ≤ 128 MiB at 1 GiB.
 */
function issue21Targets(r: Omit<Results, 'targets'>): Target[] {
  const targets: Target[] = [];
  const shareChunks = r.chunks.filter((c) => isShareChunk(c) && (c.failedShare ?? 2) <= ISSUE21_MAX_SHARE);
  const sizes = [...new Set([...ISSUE21_SIZES, ...shareChunks.map((c) => c.size ?? c.label)])];
  for (const size of sizes) {
    const judged = ISSUE21_SIZES.includes(size);
    const chunks = shareChunks.filter((c) => (c.size ?? c.label) === size);
    if (chunks.length === 0) {
      targets.push({ name: `parse ${size}: ours / fastest peer, FAILED shares ≤ ${ISSUE21_MAX_SHARE}%`, value: undefined, target: '≥ 1.5', met: undefined, note: `${size} not measured` });
      targets.push({ name: `parse ${size} at 2% FAILED: ours / Node readline count`, value: undefined, target: '≥ 0.9', met: undefined, note: `${size} not measured` });
      continue;
    }
    for (const c of chunks) {
      const ours = find(r.parse, c.label, (m) => m.tool === 'ours');
      const peer = fastestPeer(r.parse, c.label);
      const v = ours && peer ? ours.mbPerSec / peer.mbPerSec : undefined;
      targets.push({
        name: `parse ${c.label} (${c.failedShare ?? 2}% FAILED): ours / fastest peer`,
        value: v,
        target: judged ? '≥ 1.5' : 'reference',
        met: judged && v !== undefined ? v >= 1.5 : undefined,
        note: [peer ? `fastest: ${peer.tool}` : 'no peer measured', ...(judged ? [] : ['issue 21 judges 100MB and 1GiB'])].join('; '),
      });
    }
    const base = chunks.find((c) => (c.failedShare ?? 2) === 2);
    const ours = base && find(r.parse, base.label, (m) => m.tool === 'ours');
    const floor = base && find(r.parse, base.label, (m) => m.tool === 'readline');
    const sink = base && find(r.parse, base.label, (m) => m.tool === 'sink');
    const v = ours && floor ? ours.mbPerSec / floor.mbPerSec : undefined;
    // readline writes nothing; ours writes its records into the sink, whose cost alone is shown.
    const notes = [
      ...(judged ? [] : ['issue 21 judges 100MB and 1GiB']),
      ...(sink && floor ? [`cat of ours' output through the same sink alone: ${sink.seconds.toFixed(2)} s, readline ${floor.seconds.toFixed(2)} s`] : []),
    ];
    targets.push({
      name: `parse ${size} at 2% FAILED: ours / Node readline count`,
      value: v,
      target: judged ? '≥ 0.9' : 'reference',
      met: judged && v !== undefined ? v >= 0.9 : undefined,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    });
  }
  // Every output mode's child (not the copy): the function's peak whatever OUTPUT_COMPRESSION is.
  const big = r.ingest.filter((m) => m.chunk === '1GiB' && m.mode !== 'copy');
  const peak = big.length > 0 ? Math.max(...big.map((m) => m.maxRssKiB)) / MIB : undefined;
  targets.push({
    name: 'ingest 1GiB: peak RSS of the ingest child, every output mode (MiB)',
    value: peak,
    target: '≤ 128',
    met: peak === undefined ? undefined : peak <= 128,
    ...(peak === undefined ? { note: '1GiB ingest not measured' } : {}),
  });
  return targets.map((t) => ({ issue: 21, ...t }));
}
