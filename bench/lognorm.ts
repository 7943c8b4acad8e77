// The C baseline: liblognorm's `lognormalizer` (Debian package liblognorm-utils), which
// splits log lines into JSON by a rulebase. Installed with apt-get when missing, as the
// issue asks; the rulebases are in bench/lognorm/.

import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { CommandSpec } from './measure';

const run = promisify(execFile);

async function onPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = `${dir}/${command}`;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The path of `command`, installing its Debian package with apt-get first if it is missing (the peers: lognormalizer, Miller, jq). */
export async function ensureDebianTool(command: string, debianPackage: string, log: (text: string) => void): Promise<string> {
  let path = await onPath(command);
  if (path !== undefined) return path;
  log(`${command} missing: apt-get install -y ${debianPackage}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['install', '-y', debianPackage], { env });
  } catch {
    // A fresh image has no package lists yet.
    await run('apt-get', ['update'], { env });
    await run('apt-get', ['install', '-y', debianPackage], { env });
  }
  path = await onPath(command);
  if (path === undefined) throw new Error(`${command} still not on PATH after installing ${debianPackage}`);
  return path;
}

/** Path and version of lognormalizer, installing liblognorm-utils first if needed. */
export async function ensureLognormalizer(log: (text: string) => void): Promise<{ path: string; version: string }> {
  const path = await ensureDebianTool('lognormalizer', 'liblognorm-utils', log);
  // -V prints the version on stderr and exits with status 1.
  const text = await run(path, ['-V']).then(
    (r) => r.stdout + r.stderr,
    (err: unknown) => {
      const out = err as { stdout?: string; stderr?: string };
      return `${out.stdout ?? ''}${out.stderr ?? ''}`;
    },
  );
  return { path, version: text.trim().split('\n')[0]?.replace(/^lognormalizer version:\s*/, '') ?? 'unknown' };
}

/**
 * lognormalizer reading `file` (gunzipped by gzip(1) first when it is a .gz, since it
 * reads only plain stdin) and writing JSON to stdout. -T prints the rule tag, which the
 * structured rulebase uses for the outcome; -H prints "N records processed, N parsed,
 * N unparsed" on stderr, which is how every timed run is checked at no cost.
 */
export function lognormCommand(binary: string, rulebase: string, file: string): CommandSpec {
  const args = ['-r', rulebase, '-e', 'json', '-T', '-H'];
  if (!file.endsWith('.gz')) return { command: binary, args, stdinFile: file };
  return { command: '/bin/sh', args: ['-c', `gzip -dc "$1" | "$0" ${args.map((a) => `'${a}'`).join(' ')}`, binary, file] };
}

export interface LognormCounts {
  processed: number;
  parsed: number;
  unparsed: number;
}

/** Reads lognormalizer's -H summary line from its stderr. */
export function parseSummary(stderr: string): LognormCounts | undefined {
  const m = /(\d+) records processed, (\d+) parsed, (\d+) unparsed/.exec(stderr);
  return m ? { processed: Number(m[1]), parsed: Number(m[2]), unparsed: Number(m[3]) } : undefined;
}

export interface OutputCheck {
  outputLines: number;
  /** Output lines without "unparsed-data": records the rulebase really split. */
  parsedLines: number;
  /** Records tagged FAILED (structured rulebase only). */
  failedLines: number;
}

/**
 * Untimed check that the -H count is not lying: runs lognormalizer once more and reads its
 * actual JSON output line by line.
 */
export async function checkOutput(binary: string, rulebase: string, file: string): Promise<OutputCheck> {
  const child = spawn(binary, ['-r', rulebase, '-e', 'json', '-T'], { stdio: ['pipe', 'pipe', 'ignore'] });
  createReadStream(file).pipe(child.stdin);
  const check: OutputCheck = { outputLines: 0, parsedLines: 0, failedLines: 0 };
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    check.outputLines += 1;
    if (!line.includes('"unparsed-data"')) check.parsedLines += 1;
    if (line.includes('"event.tags": [ "FAILED" ]')) check.failedLines += 1;
  }
  return check;
}
