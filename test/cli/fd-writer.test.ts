import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { fdWriter } from '../../cli/fd-writer';
import { expectedByte } from '../support/lent-stdout-child';

let CHILD = '';
beforeAll(async () => {
  // Plain node, not `--import tsx`, which opens process.stdout and so makes fd 1 non-blocking.
  CHILD = join(mkdtempSync(join(tmpdir(), 'fd-writer-child-')), 'child.cjs');
  await build({ entryPoints: [join(__dirname, '../support/lent-stdout-child.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: CHILD, logLevel: 'warning' });
});
const COUNT = 24;
const SIZE = 1024 * 1024;

/** Runs the child with its stdout a socket to a reader that pauses after every chunk it gets. */
function runSlowlyRead(mode?: string): Promise<{ code: number | null; out: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [CHILD, String(COUNT), String(SIZE), ...(mode ? [mode] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const parts: Buffer[] = [];
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.on('data', (b: Buffer) => {
    parts.push(b);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 1);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out: Buffer.concat(parts), stderr }));
  });
}

function firstWrongByte(out: Buffer): number {
  for (let n = 0; n < COUNT; n++) for (let at = 0; at < SIZE; at++) if (out[n * SIZE + at] !== expectedByte(n, at)) return n * SIZE + at;
  return -1;
}

describe('fdWriter', () => {
  it.each([
    ['writes lent chunks intact to a slow reader while the next chunk is made', undefined, ''],
    ['goes on through process.stdout when fd 1 is non-blocking (process.stdout opened first)', 'open-stdout', 'through process.stdout\n'],
  ])('%s', async (_name, mode, said) => {
    const { code, out, stderr } = await runSlowlyRead(mode);
    expect(stderr).toBe(said);
    expect(code).toBe(0);
    expect(out.length).toBe(COUNT * SIZE);
    expect(firstWrongByte(out)).toBe(-1);
  }, 60_000);

  it('writes to a regular file from its current offset', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fd-writer-')), 'out');
    const fd = openSync(path, 'w');
    try {
      const write = fdWriter(fd, () => new PassThrough());
      await write(Buffer.from('one\n'));
      await write(Buffer.from('two\n'));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n');
  });

  it('rejects with EPIPE (or ECONNRESET) once the reader has gone, and the stream is never opened', async () => {
    const child = spawn(process.execPath, [CHILD, String(COUNT), String(SIZE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(1);
    // A socket's reader closing shows as either, by timing.
    expect(stderr.trim()).toMatch(/^(EPIPE|ECONNRESET)$/);
  }, 60_000);
});
