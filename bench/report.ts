// Renders results as Markdown tables: printed to the terminal and written to
// docs/benchmarks.md, so the doc always shows the numbers of the last full run. The
// sections of the optional measurements (backfill, claims) are hand-written Markdown in
// bench/sections/, appended verbatim so that a run rewriting the doc keeps them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTIONS_DIR } from './config';
import { SMOKE_SIZE } from './figures';
import { fastestPeer, PARSE_TOOLS, PEERS, type IngestMeasurement, type ParseTool, type Results, type Target } from './results';
import { INGEST_OUTPUT_MODES, INGEST_OUTPUTS } from './ingest-modes';

/** bench/sections/*.md in the order they close the doc. */
export const SECTION_FILES = ['parse-issue21.md', 'backfill-issue20.md', 'claims-issue18.md'] as const;

export function staticSections(dir = SECTIONS_DIR): string[] {
  return SECTION_FILES.map((name) => readFileSync(join(dir, name), 'utf8'));
}

// Data sizes in MB (10^6 B, like the throughputs), memory in MiB (like the RSS target), bundles in KiB.
const MB = 1000 * 1000;

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

const num = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const rss = (kib: number | undefined): string => (kib === undefined ? '—' : `${(kib / 1024).toFixed(0)}`);
const ratio = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(2)}×`);
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

const TOOL_NAMES: Record<ParseTool, string> = {
  ours: 'ours',
  'ours-ca-bundle': 'ours with the CA bundle',
  'lognormalizer-structured': 'lognormalizer structured',
  'lognormalizer-split': 'lognormalizer split',
  miller: 'Miller',
  jq: 'jq',
  readline: 'Node readline count',
  sink: "sink floor (cat of ours' output)",
};
const RSS_NAMES: Partial<Record<ParseTool, string>> = { ours: 'ours', 'lognormalizer-structured': 'ln-st', 'lognormalizer-split': 'ln-sp', miller: 'mlr', jq: 'jq', readline: 'rl' };

export function parseTable(r: Results): string {
  const columns = [...PEERS, 'readline', 'sink'] as const;
  const rows = r.chunks.map((c) => {
    const get = (tool: ParseTool) => r.parse.find((m) => m.chunk === c.label && m.tool === tool);
    const cell = (tool: ParseTool): string => {
      const m = get(tool);
      if (!m) return '—';
      // The range of the timed runs beside the median: on 2 shared cores one median says little.
      const range = m.runs.length > 1 ? `; ${num(Math.min(...m.runs), 2)}–${num(Math.max(...m.runs), 2)} s` : '';
      return `${num(m.mbPerSec)} (${num(m.seconds, 2)} s${range})`;
    };
    const ours = get('ours');
    const peer = fastestPeer(r.parse, c.label);
    const floor = get('readline');
    const rssTools = (Object.keys(RSS_NAMES) as ParseTool[]).filter((t) => get(t) !== undefined);
    return [
      c.label,
      `${c.failedShare ?? 2}%`,
      cell('ours'),
      ...columns.map(cell),
      peer ? TOOL_NAMES[peer.tool] : '—',
      ratio(ours && peer ? ours.mbPerSec / peer.mbPerSec : undefined),
      ratio(ours && floor ? ours.mbPerSec / floor.mbPerSec : undefined),
      rssTools.map((t) => `${RSS_NAMES[t]} ${rss(get(t)?.maxRssKiB)}`).join(', '),
    ];
  });
  return table(
    ['chunk', 'FAILED', 'ours MB/s', ...columns.map((t) => `${TOOL_NAMES[t]} MB/s`), 'fastest peer', 'ours ÷ fastest peer', 'ours ÷ readline', 'peak RSS MiB'],
    rows,
  );
}

/** Every exact command line of the run, per tool, with the chunk's path as FILE. */
export function commandList(r: Results): string {
  const lines = PARSE_TOOLS.flatMap((tool) => {
    const commands = new Map<string, string[]>();
    for (const m of r.parse.filter((p) => p.tool === tool && p.command !== undefined)) {
      const chunk = r.chunks.find((c) => c.label === m.chunk);
      // The sink floor's file is named for its chunk: one template for all, as FILE is.
      const template = chunk ? (m.command as string).split(chunk.path).join('FILE').split(`sink-${chunk.label}.jsonl`).join('sink-CHUNK.jsonl') : (m.command as string);
      commands.set(template, [...(commands.get(template) ?? []), m.chunk]);
    }
    return [...commands].map(([command, chunks]) => `- ${TOOL_NAMES[tool]} (${chunks.join(', ')}): \`${command}\``);
  });
  return lines.join('\n');
}

/** Ours again with the machine's CA bundle variable set, where it was measured (small chunks). */
export function caBundleNote(r: Results): string {
  const lines = r.chunks.flatMap((c) => {
    const withIt = r.parse.find((m) => m.chunk === c.label && m.tool === 'ours-ca-bundle');
    const ours = r.parse.find((m) => m.chunk === c.label && m.tool === 'ours');
    const s = r.parse.find((m) => m.chunk === c.label && m.tool === 'lognormalizer-structured');
    if (!withIt || !ours || !s) return [];
    return [
      `- ${c.label}: ours ${num(withIt.seconds, 2)} s with it against ${num(ours.seconds, 2)} s without, ` +
        `${ratio(withIt.mbPerSec / s.mbPerSec)} lognormalizer structured (${ratio(ours.mbPerSec / s.mbPerSec)} without).`,
    ];
  });
  if (lines.length === 0) return '';
  return `With \`NODE_EXTRA_CA_CERTS\` set as this machine sets it for every process (measured alongside, same runs):\n\n${lines.join('\n')}\n`;
}

export function ingestTable(r: Results): string {
  if (r.ingest.length === 0) return '_Not measured in this run (`BENCH_PARSE_ONLY=1`)._';
  const rows = r.chunks.flatMap((c) => {
    const copy = r.ingest.find((m) => m.chunk === c.label && m.mode === 'copy');
    return INGEST_OUTPUT_MODES.flatMap((mode) => {
      const ingest = r.ingest.find((m) => m.chunk === c.label && m.mode === mode);
      if (!ingest || !copy) return [];
      return [
      [
        mode === 'ingest' ? c.label : `${c.label}, ${INGEST_OUTPUTS[mode]} output`,
        `${num(ingest.mbPerSec)} (${num(ingest.seconds, 2)} s)`,
        `${num(copy.mbPerSec)} (${num(copy.seconds, 2)} s)`,
        ratio(ingest.mbPerSec / copy.mbPerSec),
        rss(ingest.maxRssKiB),
        rss(copy.maxRssKiB),
        mb(ingest.outputBytes),
        mb(copy.outputBytes),
        `${cpu(ingest)} / ${cpu(copy)}`,
      ],
      ];
    });
  });
  return table(
    ['chunk', 'ingest MB/s', 'plain copy MB/s', 'ingest ÷ copy', 'ingest peak RSS MiB', 'copy peak RSS MiB', 'ingest uploads', 'copy uploads', 'CPU s, child + store (ingest / copy)'],
    rows,
  );
}

/** The CPU a run may use to reach half the copy's throughput, against what each compressed output used. */
function cpuBudget(r: Results): string {
  const copy = r.ingest.find((m) => m.chunk === '100MB' && m.mode === 'copy');
  if (copy === undefined) return '';
  const cpus = r.machine.nproc;
  const budget = 2 * copy.seconds * cpus;
  const uses = (['ingest-gzip', 'ingest-zstd'] as const).flatMap((mode) => {
    const m = r.ingest.find((x) => x.chunk === '100MB' && x.mode === mode);
    if (m?.childCpuSeconds === undefined || m.storeCpuSeconds === undefined) return [];
    const total = m.childCpuSeconds + m.storeCpuSeconds;
    const verdict = total > budget ? 'more than the budget, so it cannot get there' : `${Math.round((100 * total) / budget)}% of it, so it gets there only if parsing, compression and the store keep both CPUs that busy`;
    return [`with ${INGEST_OUTPUTS[mode]} output ${num(total, 2)} (${num(m.childCpuSeconds, 2)} + ${num(m.storeCpuSeconds, 2)}), ${verdict}`];
  });
  if (uses.length === 0) return '';
  return `For the 100MB chunk, half the copy's throughput means ${num(2 * copy.seconds, 2)} s, i.e. ${num(budget, 2)} CPU seconds on ${cpus} CPUs; the ingest path used, ${uses.join('; ')}.`;
}

/** "child + store" CPU seconds of a run, as far as measured (older results have neither). */
function cpu(m: IngestMeasurement): string {
  if (m.childCpuSeconds === undefined) return 'n/a';
  return m.storeCpuSeconds === undefined ? num(m.childCpuSeconds, 2) : `${num(m.childCpuSeconds, 2)} + ${num(m.storeCpuSeconds, 2)}`;
}

export function targetsTable(targets: Target[]): string {
  return table(
    ['target', 'measured', 'wanted', 'met'],
    targets.map((t) => [
      t.name,
      num(t.value, 2),
      t.target,
      (t.met === undefined ? 'n/a' : t.met ? 'yes' : '**no**') + (t.note === undefined ? '' : ` (${t.note})`),
    ]),
  );
}

export function packagesTable(r: Results): string {
  if (r.packages.length === 0) return '_Not measured in this run (`BENCH_PARSE_ONLY=1`)._';
  return table(
    ['function', 'zip', 'bundle (.cjs)', 'unpacked (with source map)'],
    r.packages.map((p) => [p.name, kib(p.zipBytes), p.cjs.map((c) => `${c.name} ${kib(c.bytes)}`).join(', '), kib(p.unpackedBytes)]),
  );
}

export function machineLine(r: Results): string {
  const m = r.machine;
  return (
    `${m.nproc} CPUs (nproc), ${m.cpu}, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}, lognormalizer ${m.lognormalizer}` +
    `${m.miller ? `, Miller ${m.miller.replace(/^mlr /, '')}` : ''}${m.jq ? `, jq ${m.jq.replace(/^jq-/, '')}` : ''}; ` +
    `load average ${m.loadAverage.start.toFixed(2)} at start, ${m.loadAverage.end.toFixed(2)} at end`
  );
}

export function chunksTable(r: Results): string {
  return table(
    ['chunk', 'file', 'size', 'lines', 'FAILED'],
    r.chunks.map((c) => [
      c.label,
      c.path,
      c.compression === 'gzip' ? `${mb(c.bytes)} (${mb(c.plainBytes)} plain)` : `${mb(c.bytes)} (${c.bytes} B)`,
      String(c.lines),
      `${c.failed} (${((100 * c.failed) / c.lines).toFixed(1)}%)`,
    ]),
  );
}

export function targetsOf(r: Results, issue: number): Target[] {
  return r.targets.filter((t) => (t.issue ?? 6) === issue);
}

/** Everything for the terminal. */
export function renderText(r: Results): string {
  return [
    `Machine: ${machineLine(r)}`,
    '',
    'Parse throughput (plain MB/s, 1 MB = 10^6 bytes; median wall time of the process, start-up included)',
    parseTable(r),
    caBundleNote(r),
    'Ingest path on s3rver (ingestObject + s3ObjectStore vs GetObject -> Upload copy; time inside the child)',
    ingestTable(r),
    '',
    'Function packages (osls package --stage dev)',
    packagesTable(r),
    '',
    'Targets (issue #6)',
    targetsTable(targetsOf(r, 6)),
    '',
    'Targets (issue #21)',
    targetsTable(targetsOf(r, 21)),
    '',
    `Total: ${(r.durationSeconds / 60).toFixed(1)} min`,
  ].join('\n');
}

/** docs/benchmarks.md: the last run's numbers plus what they mean and how they were taken. */
export function renderDoc(r: Results): string {
  return `# Benchmarks

Generated by \`${r.command}\` (bench/run.ts) on ${r.startedAt.slice(0, 10)}; the raw numbers are in
\`.bench/results.json\`. The run took ${(r.durationSeconds / 60).toFixed(1)} minutes.
${r.chunks.every((c) => (c.size ?? c.label) === SMOKE_SIZE) ? '\n**Smoke run (2MB only): these figures show that the bench works, not how fast anything is; do not quote them.**\n' : ''}
**Machine:** ${machineLine(r)}.

\`\`\`sh
npm run bench                          # all sizes: 10MB, 100MB (+ gzip, + Fluent Bit JSON Lines), 1GiB
BENCH_SIZES=10MB,100MB npm run bench   # a subset; BENCH_RUNS=N repeats each measurement N times
PATH="$(bash scripts/lambda-node.sh):$PATH" npm run bench   # on Node 22, the functions' Lambda runtime
BENCH_SIZES=2MB BENCH_PARSE_ONLY=1 BENCH_RUNS=2 npm run bench   # a smoke run: a minute, parse only
npm run bench:chart                    # redraws docs/bench-parse.svg from docs/bench-parse.json
\`\`\`

| variable | default | what it does |
| --- | --- | --- |
| \`BENCH_SIZES\` | \`10MB,100MB,1GiB\` | chunk sizes; \`2MB\` exists for smoke runs; gzip and Fluent Bit rows come with 100MB |
| \`BENCH_FAILED_SHARES\` | \`0,2,6,30\` | FAILED shares (percent) of the TAB chunks parsed per size; 2 always runs (the chunk the other rows and the ingest path use) |
| \`BENCH_RUNS\` | 11 up to 20 MB, 3 up to 200 MB, 1 above | timed runs per measurement (after one warm-up round when more than one) |
| \`BENCH_PARSE_ONLY\` | unset | \`1\`: parse throughput only, no ingest path, no function packages |
| \`BENCH_PORT\` | \`21569\` | s3rver's port (21000-21999) |
| \`BENCH_BACKFILL\`, \`BENCH_CLAIMS\` | unset | \`1\`: the optional measurements of issues 20 and 18 (sections at the end; their text is bench/sections/*.md) |

Besides this page the run writes \`.bench/results.json\` (everything), \`docs/bench-parse.json\` (the
parse figures: per chunk, FAILED share and tool the median and range of MB/s, the commands,
the ratios, the machine) and \`docs/bench-parse.svg\` (drawn from that JSON by bench/chart.ts).

Every Node process of a run (our CLI, the ingest and copy children, s3rver, the readline
count) is the Node that runs the bench. The functions run on \`nodejs22.x\`, so the numbers
that stand for them are those taken on Node 22; zstd output rows appear only there.

## Chunks

Generated under \`.bench/\` (streamed, seeded, reused when present with the right size):
realistic FSCSM lines with 12 actors, 6 actions, all 11 resource types, the manual's
\`org: ID\` and \`delete: ID\` forms and multi-ID requests, about 2% FAILED (\`fscsm-<size>.log\`, the
same bytes as before issue 21). For issue 21 each size is also generated at the other FAILED
shares (\`fscsm-<size>-f<share>.log\`, rows \`<size>-f<share>\`): the same PRNG draws, so the same
operations with only the outcomes moved. \`<size>.mixed\` is the 2% chunk with one line in twenty
written in the manual's 12-hour time (\`2015/06/29 2:35:30 PM.902\`) and one in twenty
space-separated, as the manual's own sample prints them; \`<size>.cadf\` is about as many bytes of
CADF events as JSON Lines (bare pycadf events of keystonemiddleware's audit middleware: nova,
cinder, glance, neutron, keystone targets, 2% \`failure\` outcomes). \`100MB.fluentbit\` is
the 100MB chunk's lines as Fluent Bit's \`s3\` output delivers a \`tail\` input's records by
default (\`{"date":"…","log":"<line>"}\`, JSON Lines; issue 17): the same events in 1.7× the
bytes. It runs through ours and the readline count only (the peers' splits read raw lines);
its target is its time against the raw 100MB chunk's.

${chunksTable(r)}

## Parse throughput

![Parse throughput by FAILED share](bench-parse.svg)

Each tool reads the chunk file and writes JSON Lines to a pipe into the bench process, which
counts the lines as they arrive (bench/output-count.ts, LF bytes, nothing buffered): the timed
process is the tool alone, and every tool writes into the same sink. Each runs in its own
process, start-up included; median of several runs after a warm-up round (11 up to 20 MB, 3 up
to 200 MB, one for 1GiB), the tools alternating run by run. Throughput is plain (uncompressed)
megabytes per second, so the gzip row compares with the others.

- **ours**: \`node dist/cli.cjs parse FILE\` (\`npm run build\`), the same ingest code the function runs.
- **lognormalizer structured** (\`bench/lognorm/fscsm-structured.rulebase\`): splits about as far as
  our parser (time parts, action, resource type, IDs, outcome checked): the equivalent work,
  and the one issue 6's 1.5× target is judged against.
- **lognormalizer split** (\`bench/lognorm/fscsm-split.rulebase\`): the time as one string, the
  operation split into action, resource type and IDs, SUCCESS|FAILED as the rule's tag.
- **Miller**: its TSV reader with an implicit header (keys 1..4) to JSON Lines; on CADF, JSON Lines in and out.
- **jq**: each raw line split on TAB into \`{time, actor, operation, outcome}\`; on CADF, \`jq -c .\`.
- **Node readline count**: \`node:readline\` over the same file, counting lines: the floor of
  what Node does before any parsing. It writes nothing.
- **sink floor**: \`cat\` of ours' own output for the chunk (written to a file once before the
  timed rounds, deleted after) into the same sink: what moving ours' JSON Lines, about 4.3×
  the chunk's bytes, through the pipe costs on this machine with no parsing at all. Not a peer;
  it shows how much of ours' time the sink takes, which readline never pays.

Peers run only on chunks they can read: the TAB layout (also gzipped) for lognormalizer,
Miller's TSV reader and jq's split; the CADF JSON Lines for Miller and jq. Not on \`.mixed\`
(their splits do not read its space-separated lines) nor on the Fluent Bit envelope. The
4-field lognormalizer rulebase of issue 6 is dropped: it checks nothing (any outcome, any
operation passes), Miller and jq now show what a bare field split costs, and it cost another
lognormalizer pass per share and size (23 s a share at 1 GiB).

Every tool runs without \`NODE_EXTRA_CA_CERTS\`, which this machine sets for all processes:
Node loads and parses that CA bundle at every start-up whatever the process does (37 ms here:
\`node -e 0\` takes 0.063 s with it, 0.026 s without), and parsing a local file makes no TLS
connection. Ours is also measured with it on the small 2% chunk (below the table).

Every timed run is checked, or the bench fails: every parser's printed lines equal the chunk's
lines (one record per line); our summary's \`parsed\` and \`failedOperations\` equal the generated
lines and FAILED count (on \`.mixed\` and \`.cadf\` too); lognormalizer's \`-H\` parsed count (and
once per share its actual output: lines without \`unparsed-data\`, FAILED tags); readline's count.

Commands, exactly as run (\`FILE\` the chunk's path; \`.bench/sink-CHUNK.jsonl\` ours' output for it, from the ours command with stdout to that file):

${commandList(r)}

"Fastest peer" is the peer with the highest median MB/s on that chunk; "ours ÷ fastest peer" and
"ours ÷ readline" are ratios of median throughputs. A cell is the median MB/s, then the
median time and, with more than one run, the range of the runs' times.

${parseTable(r)}

${caBundleNote(r)}
## Ingest path

\`ingestObject\` (lib/ingest.ts) with \`s3ObjectStore\` (functions/adapters/s3-store.ts),
bundled like the function and run alone in a child process against s3rver on 127.0.0.1
(its own process): GetObject stream → inflate → lines → records → streamed multipart upload
of \`<key>.jsonl\` + summary, through the product's own uploader with reused part buffers
(functions/adapters/s3-upload.ts). "gzip output" rows are the same path with
\`OUTPUT_COMPRESSION=gzip\` (\`<key>.jsonl.gz\`, zlib level 2), "zstd output" rows with
\`OUTPUT_COMPRESSION=zstd\` (\`<key>.jsonl.zst\`, zstd level 1; Node ≥ 22.15). Compared with a plain streamed
GetObject → lib-storage \`Upload\` copy of the same object with the same part size and queue
(8 MiB × 2). Both children run with the ingest function's \`NODE_OPTIONS\` from serverless.yml
(\`custom.ingestNodeOptions\`: V8 heap caps). Time is measured inside the
child (process start-up excluded for both); peak RSS is the child's
\`process.resourceUsage().maxRSS\`. The CPU column gives the median user + system seconds of
the child and of the s3rver process during a run: on 2 CPUs a run cannot take less than their
sum ÷ 2, whatever overlaps. The ingest path uploads its JSON Lines, about
${(() => {
    const i = r.ingest.find((m) => m.mode === 'ingest' && m.chunk !== '100MB.gz');
    const c = r.chunks.find((ch) => ch.label === i?.chunk);
    return i && c ? (i.outputBytes / c.plainBytes).toFixed(1) : '3';
  })()}× the chunk's bytes; the copy uploads the chunk (for the gzip chunk: the compressed bytes).

${ingestTable(r)}

## Function packages

\`npx osls package --stage dev\` (esbuild, minified, CommonJS, source maps linked):

${packagesTable(r)}

## Targets (issue #6)

${targetsTable(targetsOf(r, 6))}

## Targets (issue #21)

Ours ≥ 1.5× the fastest peer at every FAILED share up to 30% on 100MB and 1GiB; ≥ 0.9× the
Node readline count at 2%; the ingest child's peak RSS ≤ 128 MiB at 1 GiB (every output mode).
Other sizes are shown for reference. A target whose chunk was not measured stays undecided.

${targetsTable(targetsOf(r, 21))}

## Profiling

Before optimising, profile the CLI on the 100MB chunk and read the functions with the most
self time (JSON.stringify, toISOString and other built-ins count towards their caller):

\`\`\`sh
npm run build
node --cpu-prof --cpu-prof-dir=.bench/prof dist/cli.cjs parse .bench/fscsm-100MB.log > /dev/null
npx tsx bench/cpuprofile-top.ts .bench/prof/CPU.*.cpuprofile 20
\`\`\`

What the profiles led to, in order (100 MB chunk, \`/usr/bin/time node dist/cli.cjs parse\`):

| step | profile said | change | 100 MB |
| --- | --- | --- | --- |
| start | JSON.stringify 32%, GC 16%, parser 13% | — | 5.8 s |
| 1 | strings over 128 KiB wait for a full GC | decode 64 KiB pieces, ≤ 32 K-char output pieces | 4.4 s |
| 2 | JSON.stringify of one fixed shape | hand-written FSCSM serialiser (byte-identical) | 3.9 s |
| 3 | regex split and time parse | indexOf split, character-code time read | 3.4 s |
| 4 | strings, objects and their serialisation per line ≈ ¾ | canonical SUCCESS lines bytes → JSON (lib/formats/fscsm-bytes.ts); others as before | 1.95 s |
| 5 | Buffer#copy wrapper, a string per line number | TypedArray#set for constant pieces, digits written directly | 1.85 s |
| 6 | 0.2 s of start-up loading the S3 client | backfill's code loaded only for backfill | 1.5–1.8 s |
| 7 | with 256 KiB reads every line took the general path: a chunk longer than MAX_LINE_BYTES was split line by line | lines within the bound go as regions whatever the chunk's size, only an overlong line alone; the CLI reads 256 KiB | 1.35–1.45 s |
| 8 | start-up (\`--help\` 0.13 s, 0.06 s of it node): zod's classic build and our schemas ≈ 40 ms, the S3 client compiled though unused, Intl's zone data for UTC | zod's mini build (lib/zod.ts), backfill in its own bundle (dist/backfill.cjs), UTC without Intl | \`--help\` 0.075 s; 10 MB 0.37 → 0.27 s |
| 9 | 10 MB: GC 16% of the run; a sampling heap profile (\`HeapProfiler.startSampling\` with collected objects): the byte path allocated a closure and an array iterator per line until the JIT optimised it (7 of 32 MB); TypedArray#set of constant pieces 15% | no closure or iterator in the byte path; one copy for the fixed-length piece around both times, one per action and type | 1.31 → 1.25 s; 10 MB 0.27 → 0.25 s (A/B medians) |
| 10 | with gzip output, compression ≈ parsing in CPU (above); Node 20 had no cheaper codec; the functions run on Node 22 | \`OUTPUT_COMPRESSION=zstd\` (level 1, Node ≥ 22.15): 379 MB of records in 1.2–1.4 CPU s instead of gzip's 1.7–2.0, 47 MB instead of 48; the bench run on Node 22 | ingest child 2.06–2.19 → 1.80–2.05 s (gzip → zstd, Node 22; 2.49–2.73 s with gzip on Node 20) |

Tried and dropped, each measured on the 100 MB chunk (\`python3\` loop of 5–15 runs, medians):
- parse on worker threads (line-aligned 1 MiB segments, line numbers counted ahead, results
  in order, output byte-identical): slower on this 2-CPU machine, 100 MB 1.47 → 1.69–2.42 s,
  10 MB 0.36 → 0.56 s; each worker parsed about 30% slower than one thread alone and warmed
  its own JIT up, and the ordered output kept the main thread busy. Tried again for issue 21
  (not kept: segments of whole id windows, each reading the window before it again as a
  resumed run does, so ids and output were exact; input and output moved between threads,
  never copied twice): 100 MB 1.51 s on one thread against 1.72–1.85 s on two (user CPU 1.4 →
  2.6–2.8 s), 1 GiB 14.1–19.5 s against 13.3–14.3 s (user 11.7–16.5 → 20.6–21.9 s). Two
  workers parsing at once each take about twice the CPU one takes alone; two separate
  processes do not (1.38–1.54 s user each, side by side), so the cost is in sharing one
  process, and the second core buys little here.
- gzip output as independent members compressed in parallel on the libuv pool (\`zlib.gzip\`
  per 0.25–4 MiB, 2–3 in flight): CLI \`--gzip\` 1.9 s → 2.3–3.3 s, user CPU 2.8 → 3.2–3.5 s.
- coalescing the stream into 256 KiB pieces before the splitter, and 1 MiB writes into zlib:
  the ingest child with gzip output 2.55 → 3.0–3.15 s (more CPU, likely the larger live
  buffers under the 64 MiB old-space cap); CLI \`--gzip\` 1.86 → 2.37 s with 1 MiB writes.
- larger batches straight from the parser (one per 1 MiB of JSON, no copying): the same,
  2.5 → 2.9–3.45 s with 0.5–0.9 s more CPU. Like the young generation (ingest's
  \`--max-semi-space-size\` 4 or 8: 2.34–2.86 s against 2.19–2.20 s with 2), smaller working
  buffers are faster here, most likely because they stay in the CPU's caches.
- a deeper queue into zlib (\`writableHighWaterMark\` 2 MiB, so the parser runs ahead): ingest
  child with gzip output 2.35 → 3.10 s. Re-measured the young generation after step 9
  (alternating runs): \`--max-semi-space-size\` 2: 2.26–2.65 s, 4: 2.70–3.07 s, 8: 2.65–3.12 s.
- compression on a worker thread (a gzip stream driven from the worker's own event loop,
  batches posted to it): CLI \`--gzip\` 2.04–2.14 → 1.87–1.98 s, but the ingest child
  2.4 → 3.0–3.4 s with a 158 MiB peak (each batch copied into the worker, a second heap).
- coalescing the S3 body into 256 KiB pieces (without larger zlib writes): within the noise.
- other zlib parameters on the records (levels 1–3, memLevel 6–7, windowBits 11, Huffman
  only): none more than 5% cheaper than level 2 without a larger output.
- brotli quality 1 instead of gzip: the ingest child 2.39–2.49 → 2.04–2.12 s on 100 MB (still
  0.45–0.46 of the copy), 54 MB instead of 48, and a format Athena and S3 Select do not read:
  not offered.
- the constant pieces copied by a byte loop instead of TypedArray#set: no gain (1.21 → 1.24 s);
  as 32-bit words through a DataView: no gain either (10 MB 0.281 → 0.287 s).
- FAILED lines through the byte path too (their record read back from the JSON just written
  with \`JSON.parse\`, the general parser skipped, notify's batcher told the JSON's size):
  CLI 1.20 → 1.07 s, output and records identical, but the ingest child 2.48 → 2.86 s
  (alternating runs): with less garbage V8 ran 54 young collections instead of 125 and
  53 full ones instead of 12 (\`--trace-gc\`), started by the batch buffers' memory outside
  the heap, which the young collections used to free. Reusing batch buffers brought it back
  to par, not below.
- line ends gathered in one reused Uint32Array instead of a number[] per chunk: 10 MB CLI
  0.262 → 0.250 s, the ingest child unchanged (2.78 vs 2.83 s).

Ingest memory (bench ingest child, s3rver): lib-storage's \`Upload\` concatenates each part into a
new buffer (dead buffers outside V8's heap pile up to 64 MiB before a full collection):
190 MiB peak for 100 MB → 157 MiB with reused part buffers (functions/adapters/s3-upload.ts) →
121 MiB for 1 GiB with \`--max-semi-space-size=2 --max-old-space-size=64\`.

Where the ingest path's time goes on 2 cores (the CPU column of the ingest table): with
plain output the store writes 3.8× the chunk's bytes and s3rver's own CPU for them is three
times what it spends on the copy; with gzip output, compression costs about as much CPU as
parsing (CLI, 100 MB: 1.2–1.3 s to /dev/null, 1.9–2.1 s gzipped into a file with 2.5–2.9 s
of user time), and s3rver shares the same two cores. The copy only moves bytes. ${cpuBudget(r)}

Per thread (\`perf sched record\` then \`perf sched timehist -s\`, CLI \`parse --gzip\` on the 100 MB chunk,
2.13 s): main thread 1.66 s running (parse, the zlib hand-offs), the four libuv threads
1.67 s (compression, file writes), V8's helper threads 0.27 s: both cores are mostly busy and
neither thread waits long for the other. In the ingest child, with the upload replaced by a
sink that drops the output, reading, parsing and compressing the 100 MB chunk still takes
2.0–2.3 s, against a copy of 0.9–1.0 s: the upload adds only its tail (the last parts and
CompleteMultipartUpload, about 0.2 s). Half the copy's throughput would need parsing and
compression together under about 1.9 s of wall time on two cores shared with s3rver: zstd
output on Node 22 (step 10), whose compression costs about a third less, gets there.

The ingest child's main thread over time (\`node --cpu-prof\` on the bench child, 100 MB,
zstd output, Node 22, 2026-12-02; \`tsx bench/cpuprofile-top.ts --timeline=250\`): of 2.75 s
sampled (start-up included), 0.52–0.59 s idle and 0.29–0.30 s in GC. The idle time is 10–16%
of every quarter second of the run, the thread waiting for the store or the compressor on
the other core, and 0.22 s at the end (the last part, CompleteMultipartUpload, the summary);
the byte path (lib/formats/fscsm-bytes.ts) takes most of the busy time. Alternating runs
against the copy that day: 2.53–2.85 s against 1.32–1.49 s, 0.47–0.56 of its throughput.

${staticSections().join('\n')}`;
}
