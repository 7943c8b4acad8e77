// `npm run bench`: issue #6's benchmark. Generates the chunks, then measures side by side
// in one run: our CLI against lognormalizer (C) and a bare Node readline count, the ingest
// path against a plain S3 copy on s3rver, the ingest child's peak RSS, and the function
// package sizes. Prints the tables, writes .bench/results.json and docs/benchmarks.md.
// A benchmark, not a test: it reports whether targets are met and exits 0 either way
// (non-zero only when a measurement could not be taken or a tool lost lines).

import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import { buildAll, type Bundles } from './bundle';
import { BENCH_DIR, benchPort, BUILD_DIR, CA_BUNDLE_VARIABLE, DOC_PATH, ingestNodeOptions, MEGABYTE, parseEnv, RESULTS_PATH, ROOT, RULEBASES, runsFor, selectedSizes, SMALL_CHUNK_BYTES } from './config';
import { ensureFluentBitChunk, ensureGzipChunk, ensurePlainChunk } from './generate';
import type { ChildResult } from './ingest-child';
import { runnableModes, type IngestMode } from './ingest-modes';
import { checkOutput, ensureLognormalizer, lognormCommand, parseSummary } from './lognorm';
import { median, runOnce, type CommandSpec } from './measure';
import { packageSizes } from './package-size';
import { renderDoc, renderText } from './report';
import { evaluateTargets, type ChunkInfo, type IngestMeasurement, type Machine, type ParseMeasurement, type ParseTool, type Results } from './results';
import { startStore } from './store';

const log = (text: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

function machine(lognormalizer: string, loadAtStart: number): Machine {
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  return {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? process.platform,
    lognormalizer,
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

/** The parse tools on one chunk, interleaved run by run so drift hits all alike. */
async function measureParse(chunk: ChunkInfo, bundles: Bundles, lognorm: string): Promise<ParseMeasurement[]> {
  const env = parseEnv();
  const ours: CommandSpec = { command: process.execPath, args: [bundles.cli, 'parse', chunk.path], env };
  // lognormalizer's rulebases read raw lines: on an enveloped chunk only ours and the readline floor run.
  const tools: Partial<Record<ParseTool, CommandSpec>> = {
    ours,
    ...(chunk.envelope === undefined
      ? {
          'lognormalizer-structured': { ...lognormCommand(lognorm, RULEBASES.structured, chunk.path), env },
          'lognormalizer-fields': { ...lognormCommand(lognorm, RULEBASES.fields, chunk.path), env },
        }
      : {}),
    readline: { command: process.execPath, args: [bundles.readlineCount, chunk.path], env },
  };
  // Start-up weighs only on the small chunk: there, ours with the machine's CA bundle too.
  if (process.env[CA_BUNDLE_VARIABLE] && chunk.plainBytes <= SMALL_CHUNK_BYTES) tools['ours-ca-bundle'] = { ...ours, env: process.env };
  const runs = runsFor(chunk.plainBytes);
  const times = new Map<ParseTool, number[]>();
  const rss = new Map<ParseTool, number>();
  const parsed = new Map<ParseTool, number>();
  for (let round = runs > 1 ? -1 : 0; round < runs; round += 1) {
    for (const [tool, spec] of Object.entries(tools) as [ParseTool, CommandSpec][]) {
      log(`parse ${chunk.label} ${tool} ${round < 0 ? 'warm-up' : `run ${round + 1}/${runs}`}`);
      const res = await runOnce(spec);
      if (round < 0) continue;
      times.set(tool, [...(times.get(tool) ?? []), res.seconds]);
      if (res.maxRssKiB !== undefined) rss.set(tool, Math.max(rss.get(tool) ?? 0, res.maxRssKiB));
      parsed.set(tool, checkParsed(tool, res.stderr, chunk));
    }
  }
  return (Object.keys(tools) as ParseTool[]).map((tool) => {
    const all = times.get(tool) ?? [];
    const seconds = median(all);
    return {
      chunk: chunk.label,
      tool,
      seconds,
      runs: all,
      mbPerSec: chunk.plainBytes / MEGABYTE / seconds,
      maxRssKiB: rss.get(tool),
      parsedLines: parsed.get(tool) ?? 0,
    };
  });
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
  log(`building dist/cli.cjs and the bench children`);
  await mkdir(BUILD_DIR, { recursive: true });
  const bundles = await buildAll();

  const chunks: ChunkInfo[] = [];
  for (const spec of sizes) {
    const plain = await ensurePlainChunk(spec);
    log(`${plain.path}: ${plain.manifest.lines} lines${plain.reused ? ' (reused)' : `, generated in ${plain.seconds.toFixed(1)} s`}`);
    chunks.push({ label: spec.label, path: plain.path, bytes: plain.manifest.bytes, plainBytes: plain.manifest.bytes, compression: 'none', lines: plain.manifest.lines, failed: plain.manifest.failed });
    if (spec.gzip) {
      const gz = await ensureGzipChunk(spec, plain);
      log(`${gz.path}: ${gz.manifest.bytes} bytes${gz.reused ? ' (reused)' : `, gzipped in ${gz.seconds.toFixed(1)} s`}`);
      chunks.push({ label: `${spec.label}.gz`, path: gz.path, bytes: gz.manifest.bytes, plainBytes: plain.manifest.bytes, compression: 'gzip', lines: gz.manifest.lines, failed: gz.manifest.failed });
      // The same lines as a log shipper delivers them (issue 17): parse only, beside the raw chunk.
      const fb = await ensureFluentBitChunk(spec, plain);
      log(`${fb.path}: ${fb.manifest.bytes} bytes${fb.reused ? ' (reused)' : `, written in ${fb.seconds.toFixed(1)} s`}`);
      chunks.push({ label: `${spec.label}.fluentbit`, path: fb.path, bytes: fb.manifest.bytes, plainBytes: fb.manifest.bytes, compression: 'none', lines: fb.manifest.lines, failed: fb.manifest.failed, envelope: 'fluentbit', wraps: spec.label });
    }
  }

  // The -H counts are checked on every run; once, the real output is read as well.
  const smallest = chunks[0] ?? fail('no chunk selected');
  for (const [name, rulebase] of Object.entries(RULEBASES)) {
    const check = await checkOutput(lognorm.path, rulebase, smallest.path);
    log(`lognormalizer ${name} on ${smallest.label}: ${check.parsedLines}/${check.outputLines} output lines parsed, ${check.failedLines} tagged FAILED`);
    if (check.outputLines !== smallest.lines || check.parsedLines !== smallest.lines) {
      fail(`lognormalizer ${name}: ${check.parsedLines} parsed of ${check.outputLines} output lines, ${smallest.lines} expected`);
    }
    if (name === 'structured' && check.failedLines !== smallest.failed) fail(`lognormalizer structured tagged ${check.failedLines} FAILED, ${smallest.failed} expected`);
  }

  const parse: ParseMeasurement[] = [];
  for (const chunk of chunks) {
    await warmCache(chunk.path);
    parse.push(...(await measureParse(chunk, bundles, lognorm.path)));
  }

  const ingest = await measureIngest(chunks.filter((c) => c.envelope === undefined), bundles);

  log('osls package --stage dev');
  const packages = await packageSizes();

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
    command: `${process.env.BENCH_SIZES ? `BENCH_SIZES=${process.env.BENCH_SIZES} ` : ''}${process.env.BENCH_RUNS ? `BENCH_RUNS=${process.env.BENCH_RUNS} ` : ''}npm run bench`,
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
  await writeFile(DOC_PATH, renderDoc(results));
  process.stdout.write(renderText(results) + '\n');
  log(`wrote ${RESULTS_PATH} and ${DOC_PATH}`);
}

/** `tsx bench/run.ts --report`: renders docs/benchmarks.md again from the last results (after a wording change). */
async function reportOnly(): Promise<void> {
  const results = JSON.parse(await readFile(RESULTS_PATH, 'utf8')) as Results;
  await writeFile(DOC_PATH, renderDoc(results));
  log(`rendered ${DOC_PATH} from ${RESULTS_PATH}`);
}

(process.argv.includes('--report') ? reportOnly() : main()).catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
