// Summarises a V8 CPU profile (node --cpu-prof) as the functions with the most self time,
// so that an optimisation starts from measured hot spots instead of guesses; --timeline
// instead splits the main thread's time into idle, GC and busy per slice of the run, which
// tells a thread that waits (on the store, on the compressor) from one that works.
//   node --cpu-prof --cpu-prof-dir=.bench/prof dist/cli.cjs parse .bench/fscsm-100MB.log > /dev/null
//   tsx bench/cpuprofile-top.ts .bench/prof/CPU.*.cpuprofile [N]
//   tsx bench/cpuprofile-top.ts --timeline[=MS] .bench/prof/CPU.*.cpuprofile   (slices of MS, default 100)

import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './config';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  /** file:line (1-based), relative to the project when inside it. */
  location: string;
  selfMs: number;
  selfPercent: number;
}

/** Each sample: its node, when it was taken and its self time (the delta to the next sample belongs to it), in µs. */
function* samplesOf(profile: CpuProfile): Generator<{ id: number; atUs: number; selfUs: number }> {
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    atUs += profile.timeDeltas[i] ?? 0;
    yield { id: profile.samples[i] ?? 0, atUs, selfUs: profile.timeDeltas[i + 1] ?? 0 };
  }
}

export function topSelfTime(profile: CpuProfile, limit: number): { totalMs: number; top: HotFunction[] } {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (const sample of samplesOf(profile)) selfUs.set(sample.id, (selfUs.get(sample.id) ?? 0) + sample.selfUs);
  // Merge nodes of the same function reached through different call paths.
  const byFunction = new Map<string, HotFunction>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    totalUs += us;
    const frame = byNode.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url.startsWith('file://') ? relative(ROOT, fileURLToPath(frame.url)) : frame.url;
    const location = file === '' ? '' : `${file}:${frame.lineNumber + 1}`;
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const key = `${name}@${location}`;
    const entry = byFunction.get(key) ?? { name, location, selfMs: 0, selfPercent: 0 };
    entry.selfMs += us / 1000;
    byFunction.set(key, entry);
  }
  const top = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, limit);
  for (const f of top) f.selfPercent = (100 * f.selfMs * 1000) / totalUs;
  return { totalMs: totalUs / 1000, top };
}

export interface TimelineSlice {
  /** Start of the slice, ms from the first sample. */
  startMs: number;
  idleMs: number;
  gcMs: number;
  busyMs: number;
}

/** The sampled time in slices of sliceMs, each split into idle (event loop waiting), GC and the rest. */
export function timeline(profile: CpuProfile, sliceMs: number): TimelineSlice[] {
  const kindOf = new Map(
    profile.nodes.map((n) => [n.id, n.callFrame.functionName === '(idle)' ? 'idle' : n.callFrame.functionName === '(garbage collector)' ? 'gc' : 'busy'] as const),
  );
  const slices: TimelineSlice[] = [];
  for (const { id, atUs, selfUs } of samplesOf(profile)) {
    const index = Math.floor(atUs / 1000 / sliceMs);
    for (let k = slices.length; k <= index; k++) slices.push({ startMs: k * sliceMs, idleMs: 0, gcMs: 0, busyMs: 0 });
    const slice = slices[index];
    if (slice === undefined) continue;
    const kind = kindOf.get(id) ?? 'busy';
    if (kind === 'idle') slice.idleMs += selfUs / 1000;
    else if (kind === 'gc') slice.gcMs += selfUs / 1000;
    else slice.busyMs += selfUs / 1000;
  }
  return slices;
}

function printTimeline(slices: TimelineSlice[]): void {
  const total = { idleMs: 0, gcMs: 0, busyMs: 0 };
  process.stdout.write('| from ms | idle ms | GC ms | busy ms |\n| ---: | ---: | ---: | ---: |\n');
  for (const s of slices) {
    total.idleMs += s.idleMs;
    total.gcMs += s.gcMs;
    total.busyMs += s.busyMs;
    process.stdout.write(`| ${s.startMs} | ${s.idleMs.toFixed(0)} | ${s.gcMs.toFixed(0)} | ${s.busyMs.toFixed(0)} |\n`);
  }
  process.stdout.write(`| total | ${total.idleMs.toFixed(0)} | ${total.gcMs.toFixed(0)} | ${total.busyMs.toFixed(0)} |\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const timelineArg = args[0]?.startsWith('--timeline') ? args.shift() : undefined;
  const sliceMs = timelineArg === undefined ? 0 : Number(timelineArg.split('=')[1] ?? 100);
  const [file, limitText] = args;
  if (file === undefined || (timelineArg !== undefined && !(sliceMs > 0))) {
    process.stderr.write('usage: tsx bench/cpuprofile-top.ts [--timeline[=MS]] FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  if (timelineArg !== undefined) {
    printTimeline(timeline(profile, sliceMs));
    process.exit(0);
  }
  const { totalMs, top } = topSelfTime(profile, Number(limitText ?? 25));
  process.stdout.write(`total sampled: ${totalMs.toFixed(0)} ms\n| self ms | self % | function | location |\n| ---: | ---: | --- | --- |\n`);
  for (const f of top) process.stdout.write(`| ${f.selfMs.toFixed(0)} | ${f.selfPercent.toFixed(1)} | ${f.name} | ${f.location} |\n`);
}
