// Where the bench keeps its files and which chunk sizes it runs, from the environment.
//   BENCH_SIZES=10MB,100MB,1GiB   subset of sizes (default: those three; 2MB is for smoke
//                                 runs only); the gzip and Fluent Bit chunks are the 100MB
//                                 one's and run whenever 100MB runs
//   BENCH_FAILED_SHARES=0,2,6,30  FAILED shares in percent of the plain chunks parsed per
//                                 size (default 0,2,6,30); 2 always runs: it is the chunk
//                                 the gzip, Fluent Bit, .mixed, .cadf and ingest rows use
//   BENCH_RUNS=N                  repetitions per measurement (default: 11 / 3 / 1 by size)
//   BENCH_PARSE_ONLY=1            parse throughput only: no ingest path, no package sizes
//   BENCH_PORT=21xxx              s3rver port (default 21569)
//   BENCH_BACKFILL=1, BENCH_CLAIMS=1  the optional backfill (issue 20) and claims (issue 18)
//                                 measurements; their doc sections are bench/sections/*.md

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Git-ignored: chunks, bundles and results live here and are reused between runs. */
export const BENCH_DIR = join(ROOT, '.bench');
export const BUILD_DIR = join(BENCH_DIR, 'build');
export const RESULTS_PATH = join(BENCH_DIR, 'results.json');
export const DOC_PATH = join(ROOT, 'docs', 'benchmarks.md');
/** The parse figures (committed, read by `npm run bench:chart`) and the chart drawn from them. */
export const PARSE_JSON_PATH = join(ROOT, 'docs', 'bench-parse.json');
export const PARSE_SVG_PATH = join(ROOT, 'docs', 'bench-parse.svg');
/** Hand-written doc sections of the optional measurements, appended verbatim to docs/benchmarks.md. */
export const SECTIONS_DIR = join(ROOT, 'bench', 'sections');
export const RULEBASES = {
  structured: join(ROOT, 'bench', 'lognorm', 'fscsm-structured.rulebase'),
  split: join(ROOT, 'bench', 'lognorm', 'fscsm-split.rulebase'),
} as const;

const MB = 1000 * 1000;
const GIB = 1024 ** 3;

export interface ChunkSpec {
  /** Label in tables and file names. */
  label: string;
  /** Exact size of the plain chunk in bytes (the generator fills it to the byte). */
  bytes: number;
  /** The gzip variant of this size is also generated and measured. */
  gzip: boolean;
}

// Decimal MB for the small chunks (throughput is reported in MB/s = 10^6 B/s), binary GiB
// for the big one, as the issue names them.
const ALL_SIZES: readonly ChunkSpec[] = [
  // Smoke runs only (BENCH_SIZES=2MB): not in the default set.
  { label: '2MB', bytes: 2 * MB, gzip: false },
  { label: '10MB', bytes: 10 * MB, gzip: false },
  { label: '100MB', bytes: 100 * MB, gzip: true },
  { label: '1GiB', bytes: GIB, gzip: false },
];

export function selectedSizes(env: NodeJS.ProcessEnv = process.env): ChunkSpec[] {
  const wanted = env.BENCH_SIZES?.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (wanted === undefined || wanted.length === 0) return ALL_SIZES.filter((s) => s.label !== '2MB');
  const picked = ALL_SIZES.filter((s) => wanted.includes(s.label.toLowerCase()));
  const unknown = wanted.filter((w) => !ALL_SIZES.some((s) => s.label.toLowerCase() === w));
  if (unknown.length > 0) {
    throw new Error(`BENCH_SIZES: unknown size(s) ${unknown.join(', ')}; known: ${ALL_SIZES.map((s) => s.label).join(', ')}`);
  }
  return picked;
}

/** Up to this size a run lasts tenths of a second: start-up and noise weigh most there. */
export const SMALL_CHUNK_BYTES = 20 * MB;

export function runsFor(bytes: number, env: NodeJS.ProcessEnv = process.env): number {
  const forced = Number(env.BENCH_RUNS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  // Small chunks take a few tenths of a second, where the machine's noise is largest: more runs.
  if (bytes <= SMALL_CHUNK_BYTES) return 11;
  if (bytes <= 200 * MB) return 3;
  return 1;
}

export function benchPort(env: NodeJS.ProcessEnv = process.env): number {
  const port = Number(env.BENCH_PORT ?? 21569);
  // 21000-21999 is ours; the test suites use 3000-3003, 4569, 13000+, 14569, 15000+, 7480, 8080, 9180.
  if (!Number.isInteger(port) || port < 21000 || port > 21999) throw new Error(`BENCH_PORT must be in 21000-21999, got ${env.BENCH_PORT}`);
  return port;
}

/** The share every chunk had before issue 21: its file keeps the old name and bytes. */
export const BASE_FAILED_SHARE = 2;
const DEFAULT_FAILED_SHARES = [0, 2, 6, 30];

/** BENCH_FAILED_SHARES as sorted, distinct percentages; the base share is always among them. */
export function failedShares(env: NodeJS.ProcessEnv = process.env): number[] {
  const text = env.BENCH_FAILED_SHARES?.trim();
  const parts = text === undefined || text === '' ? DEFAULT_FAILED_SHARES.map(String) : text.split(',').map((s) => s.trim().replace(/%$/, ''));
  const shares = parts.map((p) => {
    const n = Number(p);
    if (p === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new Error(`BENCH_FAILED_SHARES: "${p}" is not a percentage in 0-100`);
    return n;
  });
  return [...new Set([...shares, BASE_FAILED_SHARE])].sort((a, b) => a - b);
}

/** Suffix of a share's chunk ("-f6"); none for the base share, so its path and cache stay as they were. */
export function shareSuffix(share: number): string {
  return share === BASE_FAILED_SHARE ? '' : `-f${share}`;
}

export function chunkPath(spec: ChunkSpec, share = BASE_FAILED_SHARE): string {
  return join(BENCH_DIR, `fscsm-${spec.label}${shareSuffix(share)}.log`);
}

/** The base chunk with one line in twenty in 12-hour time and one in twenty space-separated. */
export function mixedPath(spec: ChunkSpec): string {
  return join(BENCH_DIR, `fscsm-${spec.label}.mixed.log`);
}

/** CADF events as JSON Lines, about the size of the plain chunk. */
export function cadfPath(spec: ChunkSpec): string {
  return join(BENCH_DIR, `cadf-${spec.label}.jsonl`);
}

export function parseOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BENCH_PARSE_ONLY === '1';
}

export function gzipPath(spec: ChunkSpec): string {
  return `${chunkPath(spec)}.gz`;
}

export const MEGABYTE = MB;
export const MEBIBYTE = 1024 * 1024;

/**
 * The ingest function's NODE_OPTIONS (serverless.yml custom.ingestNodeOptions): the ingest
 * child runs with the same V8 heap settings as the deployed function.
 */
export function ingestNodeOptions(): string[] {
  const yml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  const line = /^\s*ingestNodeOptions:\s*(.+)$/m.exec(yml);
  if (!line?.[1]) throw new Error('serverless.yml has no custom.ingestNodeOptions');
  return line[1].trim().split(/\s+/);
}

/**
 * A CA bundle for TLS that Node loads and parses at every start-up when set, whatever the
 * process does (this machine sets it for all processes: 37 ms of each Node start, measured
 * with `node -e 0`: 0.063 s with it, 0.026 s without). Parsing a local file makes no TLS
 * connection, so the parse tools run without it; ours is also measured with it, and shown.
 */
export const CA_BUNDLE_VARIABLE = 'NODE_EXTRA_CA_CERTS';

/** The environment for the parse tools: this process's, without the CA bundle. */
export function parseEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { [CA_BUNDLE_VARIABLE]: _dropped, ...rest } = env;
  return rest;
}
