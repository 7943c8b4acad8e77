// Summarises a V8 CPU profile (node --cpu-prof) as the functions with the most self time,
// so that an optimisation starts from measured hot spots instead of guesses.
//   node --cpu-prof --cpu-prof-dir=.bench/prof dist/cli.cjs parse .bench/fscsm-100MB.log > /dev/null
//   tsx bench/cpuprofile-top.ts .bench/prof/CPU.*.cpuprofile [N]

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

interface CpuProfile {
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

export function topSelfTime(profile: CpuProfile, limit: number): { totalMs: number; top: HotFunction[] } {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per sample: the delta to the next sample belongs to the sampled node.
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
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

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, limitText] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: tsx bench/cpuprofile-top.ts FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const { totalMs, top } = topSelfTime(profile, Number(limitText ?? 25));
  process.stdout.write(`total sampled: ${totalMs.toFixed(0)} ms\n| self ms | self % | function | location |\n| ---: | ---: | --- | --- |\n`);
  for (const f of top) process.stdout.write(`| ${f.selfMs.toFixed(0)} | ${f.selfPercent.toFixed(1)} | ${f.name} | ${f.location} |\n`);
}
