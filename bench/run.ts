// `npm run bench`: issues #6 and #21's benchmark. Generates the chunks, then measures side
// by side in one run: our CLI against its peers (lognormalizer with two rulebases, Miller,
// jq) and a bare Node readline count at several FAILED shares, the ingest path against a
// plain S3 copy on s3rver, the ingest child's peak RSS, and the function package sizes.
// Prints the tables, writes .bench/results.json, docs/benchmarks.md, docs/bench-parse.json
// and the chart docs/bench-parse.svg.
// A benchmark, not a test: it reports whether targets are met and exits 0 either way
// (non-zero only when a measurement could not be taken or a tool lost lines).

import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import { buildAll, type Bundles } from './bundle';
import { BASE_FAILED_SHARE, BENCH_DIR, benchPort, BUILD_DIR, CA_BUNDLE_VARIABLE, DOC_PATH, failedShares, ingestNodeOptions, MEGABYTE, PARSE_JSON_PATH, PARSE_SVG_PATH, parseEnv, parseOnly, RESULTS_PATH, ROOT, RULEBASES, runsFor, selectedSizes, SMALL_CHUNK_BYTES } from './config';
import { renderChart } from './chart';
import { parseFigures } from './figures';
import { ensureCadfChunk, ensureFluentBitChunk, ensureGzipChunk, ensurePlainChunk } from './generate';
import type { ChildResult } from './ingest-child';
import { runnableModes, type IngestMode } from './ingest-modes';
import { checkOutput, ensureDebianTool, ensureLognormalizer, lognormCommand, parseSummary } from './lognorm';
import { describeCommand, median, runOnce, type CommandSpec } from './measure';
import { packageSizes } from './package-size';
import { renderDoc, renderText } from './report';
import { evaluateTargets, type ChunkInfo, type IngestMeasurement, type Machine, type ParseMeasurement, type ParseTool, type Results } from './results';
import { startStore } from './store';

const log = (text: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

/** First line of a tool's version output ("mlr 6.6.0", "jq-1.6"), or "missing". */
function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'missing';
  }
}

function machine(lognormalizer: string, loadAtStart: number): Machine {
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  return {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? process.platform,
    lognormalizer,
    miller: versionOf(MILLER, ['--version']),
    jq: versionOf(JQ, ['--version']),
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
  };
}

/** Reads a file once so every tool starts from the page cache, not from the disk. */
async function warmCache(path: string): Promise<void> {
  for await (const _ of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    /* discard */
  }
}

function fail(message: string): never {
  throw new Error(`check failed: ${message}`);
}

interface OurSummary {
  counts: { parsed: number; errors: number; failedOperations: number };
}

const MILLER = 'mlr';
const JQ = 'jq';
/** jq's honest field split of a TSV line into the four FSCSM fields, one JSON object per line. */
const JQ_SPLIT = 'split("\\t") | {time: .[0], actor: .[1], operation: .[2], outcome: .[3]}';

/** A command reading `file`, through `gzip -dc` first for a .gz (for tools that read only plain text). */
function readingGzip(command: string, args: string[], file: string): CommandSpec {
  if (!file.endsWith('.gz')) return { command, args: [...args, file] };
  return { command: '/bin/sh', args: ['-c', `gzip -dc "$1" | "$0" ${args.map((a) => `'${a}'`).join(' ')}`, command, file] };
}

/**
 * The peers that can read a chunk: lognormalizer's rulebases, Miller's TSV reader and jq's
 * split read the raw TAB layout only (so not the .mixed copy, whose space-separated lines
 * they would not split, nor an envelope); on CADF JSON Lines, Miller and jq read JSON.
 */
function peersFor(chunk: ChunkInfo, lognorm: string): Partial<Record<ParseTool, CommandSpec>> {
  if (chunk.variant === 'cadf') {
    return {
      miller: { command: MILLER, args: ['--ijsonl', '--ojsonl', 'cat', chunk.path] },
      jq: { command: JQ, args: ['-c', '.', chunk.path] },
    };
  }
  if (chunk.variant === 'mixed' || chunk.envelope !== undefined) return {};
  return {
    'lognormalizer-structured': lognormCommand(lognorm, RULEBASES.structured, chunk.path),
    'lognormalizer-split': lognormCommand(lognorm, RULEBASES.split, chunk.path),
    // Miller decompresses itself with --gzin; on implicit header its keys are 1..4.
    miller: { command: MILLER, args: [...(chunk.compression === 'gzip' ? ['--gzin'] : []), '--itsv', '--implicit-csv-header', '--ojsonl', 'cat', chunk.path] },
    jq: readingGzip(JQ, ['-cR', JQ_SPLIT], chunk.path),
  };
}

/** The parse tools on one chunk, interleaved run by run so drift hits all alike. */
async function measureParse(chunk: ChunkInfo, bundles: Bundles, lognorm: string): Promise<ParseMeasurement[]> {
  const env = parseEnv();
  const ours: CommandSpec = { command: process.execPath, args: [bundles.cli, 'parse', chunk.path], env };
  // Every tool's stdout is piped into this process and its lines counted: one sink for all.
  const tools: Partial<Record<ParseTool, CommandSpec>> = {
    ours,
    ...Object.fromEntries(Object.entries(peersFor(chunk, lognorm)).map(([tool, spec]) => [tool, { ...spec, env }])),
    readline: { command: process.execPath, args: [bundles.readlineCount, chunk.path], env },
  };
  // Start-up weighs only on the small chunk: there, ours with the machine's CA bundle too.
  if (process.env[CA_BUNDLE_VARIABLE] && chunk.plainBytes <= SMALL_CHUNK_BYTES && isBaseChunk(chunk)) tools['ours-ca-bundle'] = { ...ours, env: process.env };
  // The sink alone: ours' own output, once written to a file (untimed), then cat into the same pipe.
  const sinkFile = join(BENCH_DIR, `sink-${chunk.label}.jsonl`);
  log(`parse ${chunk.label}: ours' output to ${sinkFile} for the sink floor`);
  await runOnce({ ...ours, stdoutFile: sinkFile });
  tools.sink = { command: 'cat', args: [sinkFile] };
  try {
    return await timeParse(chunk, tools);
  } finally {
    await rm(sinkFile, { force: true });
  }
}

/** Runs each tool `runsFor` times, interleaved, after a warm-up round; checks every run. */
async function timeParse(chunk: ChunkInfo, tools: Partial<Record<ParseTool, CommandSpec>>): Promise<ParseMeasurement[]> {
  const runs = runsFor(chunk.plainBytes);
  const times = new Map<ParseTool, number[]>();
  const rss = new Map<ParseTool, number>();
  const parsed = new Map<ParseTool, number>();
  const printed = new Map<ParseTool, number>();
  for (let round = runs > 1 ? -1 : 0; round < runs; round += 1) {
    for (const [tool, spec] of Object.entries(tools) as [ParseTool, CommandSpec][]) {
      log(`parse ${chunk.label} ${tool} ${round < 0 ? 'warm-up' : `run ${round + 1}/${runs}`}`);
      const res = await runOnce({ ...spec, countStdout: true });
      // The warm-up is checked too: a tool that loses lines fails the bench whichever run it is.
      parsed.set(tool, checkParsed(tool, res.stderr, chunk));
      printed.set(tool, checkPrinted(tool, res.stdoutLines, chunk));
      if (round < 0) continue;
      times.set(tool, [...(times.get(tool) ?? []), res.seconds]);
      if (res.maxRssKiB !== undefined) rss.set(tool, Math.max(rss.get(tool) ?? 0, res.maxRssKiB));
    }
  }
  return (Object.keys(tools) as ParseTool[]).map((tool) => {
    const all = times.get(tool) ?? [];
    const seconds = median(all);
    const spec = tools[tool] as CommandSpec;
    return {
      chunk: chunk.label,
      tool,
      seconds,
      runs: all,
      mbPerSec: chunk.plainBytes / MEGABYTE / seconds,
      maxRssKiB: rss.get(tool),
      parsedLines: parsed.get(tool) ?? 0,
      outputLines: printed.get(tool) ?? 0,
      command: describeCommand(spec, ROOT),
    };
  });
}

/** The 2% TAB chunk of a size, the one every chunk was before issue 21. */
function isBaseChunk(c: ChunkInfo): boolean {
  return c.failedShare === BASE_FAILED_SHARE && c.variant === undefined && c.envelope === undefined && c.compression === 'none';
}

/** A parser prints one record per line (ours an entry or an error record); the readline count prints nothing. */
function checkPrinted(tool: ParseTool, lines: number | undefined, chunk: ChunkInfo): number {
  const expected = tool === 'readline' ? 0 : chunk.lines;
  if (lines !== expected) fail(`${tool} on ${chunk.label}: printed ${lines ?? 'no'} lines, ${expected} expected`);
  return lines;
}

/** Every timed run must have handled every line: a fast tool that drops lines proves nothing. */
function checkParsed(tool: ParseTool, stderr: string, chunk: ChunkInfo): number {
  if (tool === 'ours' || tool === 'ours-ca-bundle') {
    const summary = JSON.parse(stderr.trim().split('\n').pop() ?? '{}') as OurSummary;
    if (summary.counts.parsed !== chunk.lines || summary.counts.failedOperations !== chunk.failed) {
      fail(`ours on ${chunk.label}: parsed ${summary.counts.parsed}/${chunk.lines}, failed ${summary.counts.failedOperations}/${chunk.failed}`);
    }
    return summary.counts.parsed;
  }
  if (tool === 'readline') {
    const lines = (JSON.parse(stderr.trim()) as { lines: number }).lines;
    if (lines !== chunk.lines) fail(`readline on ${chunk.label}: ${lines}/${chunk.lines} lines`);
    return lines;
  }
  // Miller, jq and cat print no counts: their printed lines are checked (checkPrinted).
  if (tool === 'miller' || tool === 'jq' || tool === 'sink') return chunk.lines;
  const counts = parseSummary(stderr) ?? fail(`${tool} printed no -H summary: ${stderr.slice(0, 500)}`);
  if (counts.parsed !== chunk.lines) fail(`${tool} on ${chunk.label}: parsed ${counts.parsed}/${chunk.lines} (${counts.unparsed} unparsed)`);
  return counts.parsed;
}

/** ingest and copy, alternating, each in a fresh child; outputs deleted after each run. */
async function measureIngest(chunks: ChunkInfo[], bundles: Bundles): Promise<IngestMeasurement[]> {
  const store = await startStore(bundles.s3Server, benchPort());
  log(`s3rver on ${store.endpoint}, data in ${store.dataDir}`);
  const out: IngestMeasurement[] = [];
  try {
    for (const chunk of chunks) {
      const key = `incoming/${chunk.path.split('/').pop() ?? chunk.label}`;
      log(`upload ${chunk.label} to s3://${store.bucket}/${key}`);
      await store.put(key, chunk.path);
      // Ingest runs are slower than parse runs: at most 3 even for the small chunk.
      const runs = Math.min(3, runsFor(chunk.plainBytes));
      const modes = runnableModes();
      const results = new Map<IngestMode, ChildResult[]>(modes.map((m) => [m, []]));
      const storeCpu = new Map<IngestMode, number[]>(modes.map((m) => [m, []]));
      for (let i = 0; i < runs; i += 1) {
        for (const mode of modes) {
          log(`ingest-path ${chunk.label} ${mode} run ${i + 1}/${runs}`);
          const storeCpuBefore = store.cpuSeconds();
          const res = await runOnce({ command: process.execPath, args: [...ingestNodeOptions(), bundles.ingestChild, mode, store.endpoint, store.bucket, key], cwd: BUILD_DIR });
          const child = JSON.parse(res.stderr.trim().split('\n').pop() ?? '{}') as ChildResult;
          const storeCpuAfter = store.cpuSeconds();
          if (storeCpuBefore !== undefined && storeCpuAfter !== undefined) storeCpu.get(mode)?.push(storeCpuAfter - storeCpuBefore);
          if (mode !== 'copy' && (child.counts?.parsed !== chunk.lines || child.counts.failedOperations !== chunk.failed)) {
            fail(`ingest on ${chunk.label}: counts ${JSON.stringify(child.counts)}, expected ${chunk.lines} lines, ${chunk.failed} failed`);
          }
          if (mode === 'copy' && child.outputBytes !== chunk.bytes) fail(`copy on ${chunk.label}: ${child.outputBytes}/${chunk.bytes} bytes`);
          results.get(mode)?.push(child);
          await store.remove(child.outputKey, ...(mode !== 'copy' ? [`${key}.summary.json`] : []));
        }
      }
      for (const mode of modes) {
        const runsOf = results.get(mode) ?? [];
        const cpuOfStore = storeCpu.get(mode) ?? [];
        const all = runsOf.map((c) => c.seconds);
        const seconds = median(all);
        const last = runsOf[runsOf.length - 1];
        out.push({
          chunk: chunk.label,
          mode,
          seconds,
          runs: all,
          mbPerSec: chunk.plainBytes / MEGABYTE / seconds,
          maxRssKiB: Math.max(...runsOf.map((c) => c.maxRssKiB)),
          outputBytes: last?.outputBytes ?? 0,
          ...(last?.counts ? { parsedLines: last.counts.parsed } : {}),
          childCpuSeconds: median(runsOf.map((c) => c.cpuSeconds)),
          ...(cpuOfStore.length > 0 ? { storeCpuSeconds: median(cpuOfStore) } : {}),
        });
      }
      await store.remove(key);
    }
  } finally {
    await store.stop();
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  // The SDK's "Node 20 support ends" notice (printed once per process) is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sizes = selectedSizes();
  log(`sizes: ${sizes.map((s) => s.label).join(', ')}`);

  const lognorm = await ensureLognormalizer(log);
  // The other peers, from Debian as lognormalizer is.
  await ensureDebianTool(MILLER, 'miller', log);
  await ensureDebianTool(JQ, 'jq', log);
  log(`building dist/cli.cjs and the bench children`);
  await mkdir(BUILD_DIR, { recursive: true });
  const bundles = await buildAll();

  const shares = failedShares();
  log(`FAILED shares: ${shares.join(', ')}%`);
  const chunks: ChunkInfo[] = [];
  const note = (c: { path: string; manifest: { bytes: number; lines: number; failed: number }; reused: boolean; seconds: number }): void => {
    log(`${c.path}: ${c.manifest.bytes} bytes, ${c.manifest.lines} lines, ${c.manifest.failed} FAILED${c.reused ? ' (reused)' : `, written in ${c.seconds.toFixed(1)} s`}`);
  };
  for (const spec of sizes) {
    const size = spec.label;
    const plain = await ensurePlainChunk(spec);
    // The TAB chunk at every share, in share order; the base share's label is the size, as before.
    for (const share of shares) {
      const c = share === BASE_FAILED_SHARE ? plain : await ensurePlainChunk(spec, share);
      note(c);
      const label = share === BASE_FAILED_SHARE ? size : `${size}-f${share}`;
      chunks.push({ label, size, failedShare: share, path: c.path, bytes: c.manifest.bytes, plainBytes: c.manifest.bytes, compression: 'none', lines: c.manifest.lines, failed: c.manifest.failed });
    }
    // The manual's other layouts among TAB lines (issue 21): ours must read every line.
    const mixed = await ensurePlainChunk(spec, BASE_FAILED_SHARE, 'mixed');
    note(mixed);
    chunks.push({ label: `${size}.mixed`, size, failedShare: BASE_FAILED_SHARE, variant: 'mixed', path: mixed.path, bytes: mixed.manifest.bytes, plainBytes: mixed.manifest.bytes, compression: 'none', lines: mixed.manifest.lines, failed: mixed.manifest.failed });
    const cadf = await ensureCadfChunk(spec);
    note(cadf);
    chunks.push({ label: `${size}.cadf`, size, failedShare: BASE_FAILED_SHARE, variant: 'cadf', path: cadf.path, bytes: cadf.manifest.bytes, plainBytes: cadf.manifest.bytes, compression: 'none', lines: cadf.manifest.lines, failed: cadf.manifest.failed });
    if (spec.gzip) {
      const gz = await ensureGzipChunk(spec, plain);
      note(gz);
      chunks.push({ label: `${size}.gz`, size, failedShare: BASE_FAILED_SHARE, path: gz.path, bytes: gz.manifest.bytes, plainBytes: plain.manifest.bytes, compression: 'gzip', lines: gz.manifest.lines, failed: gz.manifest.failed });
      // The same lines as a log shipper delivers them (issue 17): parse only, beside the raw chunk.
      const fb = await ensureFluentBitChunk(spec, plain);
      note(fb);
      chunks.push({ label: `${size}.fluentbit`, size, failedShare: BASE_FAILED_SHARE, path: fb.path, bytes: fb.manifest.bytes, plainBytes: fb.manifest.bytes, compression: 'none', lines: fb.manifest.lines, failed: fb.manifest.failed, envelope: 'fluentbit', wraps: size });
    }
  }

  // The -H counts are checked on every run; once per share of the smallest size, the real output is read as well.
  const smallest = chunks[0] ?? fail('no chunk selected');
  for (const chunk of chunks.filter((c) => c.size === smallest.size && c.variant === undefined && c.envelope === undefined && c.compression === 'none')) {
    for (const [name, rulebase] of Object.entries(RULEBASES)) {
      const check = await checkOutput(lognorm.path, rulebase, chunk.path);
      log(`lognormalizer ${name} on ${chunk.label}: ${check.parsedLines}/${check.outputLines} output lines parsed, ${check.failedLines} tagged FAILED`);
      if (check.outputLines !== chunk.lines || check.parsedLines !== chunk.lines) {
        fail(`lognormalizer ${name} on ${chunk.label}: ${check.parsedLines} parsed of ${check.outputLines} output lines, ${chunk.lines} expected`);
      }
      // Both rulebases check the outcome and tag it.
      if (check.failedLines !== chunk.failed) fail(`lognormalizer ${name} on ${chunk.label} tagged ${check.failedLines} FAILED, ${chunk.failed} expected`);
    }
  }

  const parse: ParseMeasurement[] = [];
  for (const chunk of chunks) {
    await warmCache(chunk.path);
    parse.push(...(await measureParse(chunk, bundles, lognorm.path)));
  }

  // BENCH_PARSE_ONLY=1: the parse figures alone, for a quick run.
  const skipRest = parseOnly();
  const ingest = skipRest ? [] : await measureIngest(chunks.filter((c) => isBaseChunk(c) || (c.compression === 'gzip' && c.failedShare === BASE_FAILED_SHARE)), bundles);

  if (!skipRest) log('osls package --stage dev');
  const packages = skipRest ? [] : await packageSizes();

  // Optional section (issue 20): backfill at --concurrency 1 vs 8; minutes of uploads, so only when asked.
  if (process.env.BENCH_BACKFILL === '1') {
    const { measureBackfill, renderBackfill } = await import('./backfill');
    const runs = await measureBackfill();
    await writeFile(join(BENCH_DIR, 'backfill.json'), JSON.stringify({ at: new Date().toISOString(), runs }, null, 2) + '\n');
    process.stdout.write(renderBackfill(runs) + '\n');
  }
  // Optional section (issue 18): event claims per second for a chunk of 10,000 FAILED lines.
  if (process.env.BENCH_CLAIMS === '1') {
    const { measureClaims, renderClaims } = await import('./claims');
    const runs = await measureClaims();
    await writeFile(join(BENCH_DIR, 'claims.json'), JSON.stringify({ at: new Date().toISOString(), runs }, null, 2) + '\n');
    process.stdout.write(renderClaims(runs) + '\n');
  }

  const partial = {
    command: `${['BENCH_SIZES', 'BENCH_FAILED_SHARES', 'BENCH_RUNS', 'BENCH_PARSE_ONLY'].flatMap((v) => (process.env[v] ? [`${v}=${process.env[v]} `] : [])).join('')}npm run bench`,
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: machine(lognorm.version, loadAtStart),
    chunks: chunks.map((c) => ({ ...c, path: c.path.replace(`${ROOT}/`, '') })),
    parse,
    ingest,
    packages,
  };
  const results: Results = { ...partial, targets: evaluateTargets(partial) };
  await writeFile(RESULTS_PATH, JSON.stringify(results, null, 2) + '\n');
  await writeDocs(results);
  process.stdout.write(renderText(results) + '\n');
  log(`wrote ${RESULTS_PATH}, ${DOC_PATH}, ${PARSE_JSON_PATH} and ${PARSE_SVG_PATH}`);
}

/** docs/benchmarks.md, and the parse figures with their chart (what `npm run bench:chart` redraws). */
async function writeDocs(results: Results): Promise<void> {
  await writeFile(DOC_PATH, renderDoc(results));
  const figures = parseFigures(results);
  await writeFile(PARSE_JSON_PATH, JSON.stringify(figures, null, 2) + '\n');
  await writeFile(PARSE_SVG_PATH, renderChart(figures));
}

/** `tsx bench/run.ts --report`: renders docs/benchmarks.md again from the last results (after a wording change). */
async function reportOnly(): Promise<void> {
  const results = JSON.parse(await readFile(RESULTS_PATH, 'utf8')) as Results;
  await writeDocs(results);
  log(`rendered ${DOC_PATH}, ${PARSE_JSON_PATH} and ${PARSE_SVG_PATH} from ${RESULTS_PATH}`);
}

(process.argv.includes('--report') ? reportOnly() : main()).catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
