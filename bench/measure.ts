// Runs one command the way a user would (its own process, start-up included) and measures
// its wall time and peak RSS. Peak RSS comes from GNU time (/usr/bin/time -f %M), which
// reads the kernel's rusage of the finished process; without it RSS is simply not reported.
// A parse tool's stdout can be piped back and its lines counted (bench/output-count.ts).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countLines } from './output-count';

const GNU_TIME = '/usr/bin/time';
export const HAS_GNU_TIME = existsSync(GNU_TIME);

export interface CommandSpec {
  command: string;
  args: string[];
  /** File fed to stdin (lognormalizer reads only stdin). */
  stdinFile?: string;
  /** Where stdout goes; /dev/null by default, so the consumer costs nothing. */
  stdoutFile?: string;
  /** Pipe stdout into this process and count its lines (RunResult.stdoutLines) instead. */
  countStdout?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunResult {
  seconds: number;
  /** Peak resident set size in KiB, when GNU time is available. */
  maxRssKiB: number | undefined;
  /** stderr text (our CLI's summary, lognormalizer's -H counts), capped at 1 MiB. */
  stderr: string;
  /** LF bytes the command wrote on stdout, when countStdout was set. */
  stdoutLines?: number;
}

export async function runOnce(spec: CommandSpec): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-time-'));
  const timeFile = join(dir, 'rss');
  const stdin = spec.stdinFile === undefined ? undefined : await open(spec.stdinFile, 'r');
  const stdout = spec.countStdout === true ? undefined : await open(spec.stdoutFile ?? '/dev/null', 'w');
  try {
    const [command, args] = HAS_GNU_TIME
      ? [GNU_TIME, ['-f', '%M', '-o', timeFile, spec.command, ...spec.args]]
      : [spec.command, spec.args];
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: [stdin?.fd ?? 'ignore', stdout?.fd ?? 'pipe', 'pipe'],
    });
    const counted = child.stdout === null ? undefined : countLines(child.stdout);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      if (stderr.length < 1024 * 1024) stderr += text;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    const seconds = (performance.now() - started) / 1000;
    const stdoutLines = await counted;
    if (code !== 0) throw new Error(`${spec.command} ${spec.args.join(' ')} exited with ${code}:\n${stderr.slice(-2000)}`);
    const rss = HAS_GNU_TIME ? Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop()) : NaN;
    return { seconds, maxRssKiB: Number.isFinite(rss) ? rss : undefined, stderr, ...(stdoutLines === undefined ? {} : { stdoutLines }) };
  } finally {
    await stdin?.close();
    await stdout?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Median wall time: robust to one run disturbed by the page cache or a neighbour. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A shell word as a user would type it: bare when safe, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line a user would type to run `spec` (the docs list them): `node` for this
 * Node, paths relative to `root`, a `/bin/sh -c` pipe written out, stdin as `< FILE`.
 */
export function describeCommand(spec: CommandSpec, root: string): string {
  const rel = (word: string): string => (word === process.execPath ? 'node' : word.split(`${root}/`).join(''));
  if (spec.command === '/bin/sh' && spec.args[0] === '-c' && spec.args[1] !== undefined) {
    const [, script, zero = '', one = ''] = spec.args;
    return script.replace('"$0"', shellWord(rel(zero))).replace('"$1"', shellWord(rel(one)));
  }
  const line = [spec.command, ...spec.args].map((w) => shellWord(rel(w))).join(' ');
  return spec.stdinFile === undefined ? line : `${line} < ${shellWord(rel(spec.stdinFile))}`;
}
