import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/audit-ingest';
import { OutputRecordSchema, SummarySchema } from '../../lib/records';
import { hasZstd, unzstd } from '../support/zstd';

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await main(args, { stdout, stderr, env });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'audit-cli-'));

describe('audit-ingest parse', () => {
  it('prints records as JSON Lines on stdout and the summary on stderr', async () => {
    const res = await run(['parse', 'samples/fscsm_audit.log']);
    expect(res.code).toBe(0);
    const records = res.stdout.trimEnd().split('\n').map((l) => OutputRecordSchema.parse(JSON.parse(l)));
    expect(records).toHaveLength(21);
    const summary = SummarySchema.parse(JSON.parse(res.stderr));
    expect(summary.counts).toMatchObject({ totalLines: 21, parsed: 21, failedOperations: 2 });
  });

  it('concatenates the records of several files, gzip included', async () => {
    const res = await run(['parse', 'samples/fscsm_audit.log', 'samples/fscsm_audit.log.1.gz']);
    expect(res.code).toBe(0);
    expect(res.stdout.trimEnd().split('\n')).toHaveLength(25);
    expect(res.stderr.trimEnd().split('\n').map((l) => (JSON.parse(l) as { compression: string }).compression)).toEqual(['none', 'gzip']);
  });

  it('writes the same output pair as the function with --out', async () => {
    const dir = tmp();
    const input = join(tmp(), 'chunk 1.log.gz');
    writeFileSync(input, gzipSync(readFileSync('samples/fscsm_audit.log')));
    const res = await run(['parse', '--out', dir, input]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    const summary = SummarySchema.parse(JSON.parse(readFileSync(join(dir, 'chunk 1.log.gz.summary.json'), 'utf8')));
    expect(summary.outputs.records).toBe('chunk 1.log.gz.jsonl');
    expect(readFileSync(join(dir, 'chunk 1.log.gz.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(21);
  });

  it('writes <name>.jsonl.gz with --gzip (or OUTPUT_COMPRESSION=gzip)', async () => {
    for (const [flags, env] of [[['--gzip'], {}], [[], { OUTPUT_COMPRESSION: 'gzip' }]] as const) {
      const dir = tmp();
      const res = await run(['parse', ...flags, '--out', dir, 'samples/fscsm_audit.log'], env);
      expect(res.code).toBe(0);
      const summary = SummarySchema.parse(JSON.parse(readFileSync(join(dir, 'fscsm_audit.log.summary.json'), 'utf8')));
      expect(summary.outputs.records).toBe('fscsm_audit.log.jsonl.gz');
      expect(gunzipSync(readFileSync(join(dir, 'fscsm_audit.log.jsonl.gz'))).toString().trimEnd().split('\n')).toHaveLength(21);
    }
  });

  it.runIf(hasZstd)('writes <name>.jsonl.zst with --zstd', async () => {
    const dir = tmp();
    const res = await run(['parse', '--zstd', '--out', dir, 'samples/fscsm_audit.log']);
    expect(res.code).toBe(0);
    expect(unzstd(readFileSync(join(dir, 'fscsm_audit.log.jsonl.zst'))).toString().trimEnd().split('\n')).toHaveLength(21);
  });

  it.each([[['parse', 'samples/fscsm_audit.log']], [['backfill', '--bucket', 'b', '--dry-run']]])('refuses --gzip with --zstd as a usage error (%j)', async (args) => {
    const res = await run([...args, '--gzip', '--zstd']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--gzip and --zstd exclude each other/);
    expect(res.stdout).toBe('');
  });

  it('converts wall-clock times with --timezone', async () => {
    const res = await run(['parse', '--timezone', 'Asia/Tokyo', 'samples/fscsm_audit.log']);
    const first = JSON.parse(res.stdout.split('\n')[0] ?? '') as { timestamp: string; localTime: string };
    expect(first).toMatchObject({ timestamp: '2015-06-29T05:35:30.902Z', localTime: '2015-06-29T14:35:30.902' });
  });

  it('reads legacy encodings with --encoding (or SOURCE_ENCODING) and writes UTF-8', async () => {
    const fixture = 'test/fixtures/fscsm/shift_jis.log';
    const res = await run(['parse', '--encoding', 'shift_jis', fixture]);
    expect(res.code).toBe(0);
    const first = OutputRecordSchema.parse(JSON.parse(res.stdout.split('\n')[0] ?? ''));
    expect(first).toMatchObject({ line: 1, actor: '監査_管理者', resourceIds: ['山田太郎'] });
    expect((await run(['parse', fixture], { SOURCE_ENCODING: 'sjis' })).stdout).toBe(res.stdout);
    const bad = await run(['parse', '--encoding', 'klingon', fixture]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SOURCE_ENCODING: must be a character encoding/);
  });

  it('exits 0 for a file of bad lines: they are error records, not failures', async () => {
    const input = join(tmp(), 'bad.log');
    writeFileSync(input, 'garbage\n\u0000\u0001binary\n');
    const res = await run(['parse', input]);
    expect(res.code).toBe(0);
    expect(res.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['error', 'error']);
  });

  it('exits 1 for a missing file but still processes the others', async () => {
    const res = await run(['parse', 'no/such/file.log', 'samples/fscsm_audit.log']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cannot read no\/such\/file.log: no such file/);
    expect(res.stdout.trimEnd().split('\n')).toHaveLength(21);
  });

  it('exits 2 on usage errors with a clear message', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['frobnicate'])).stderr).toMatch(/unknown command/);
    const badTz = await run(['parse', '--timezone', 'Nowhere/City', 'samples/fscsm_audit.log']);
    expect(badTz.code).toBe(2);
    expect(badTz.stderr).toMatch(/SOURCE_TIMEZONE/);
    expect((await run(['parse', '--format', 'xml', 'samples/fscsm_audit.log'])).code).toBe(2);
  });

  it('runs as the bundled npx binary', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.cjs', 'parse', 'samples/fscsm_audit.log']);
    expect(stdout.trimEnd().split('\n')).toHaveLength(21);
  });

  it('writes the same bytes through its reused output buffers as without them, over many batches', async () => {
    // 1,000 copies of the sample (1.6 MB): batches of 256 KiB of input, so the two buffers take turns many times.
    const dir = tmp();
    const input = join(tmp(), 'big.log');
    writeFileSync(input, readFileSync('samples/fscsm_audit.log', 'utf8').repeat(1000));
    // In-process into a PassThrough: not lent (stdoutTakesLentChunks unset), the reference.
    const reference = await run(['parse', input]);
    expect(reference.stdout.split('\n')).toHaveLength(21_000 + 1);
    // The binary's stdout (fd 1, written from the threadpool) and --out files take lent chunks.
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.cjs', 'parse', input], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout === reference.stdout).toBe(true);
    await promisify(execFile)(process.execPath, ['dist/cli.cjs', 'parse', '--out', dir, input]);
    expect(readFileSync(join(dir, 'big.log.jsonl'), 'utf8') === reference.stdout).toBe(true);
  });

  it('loads backfill from its own bundle (dist/backfill.cjs) in the bundled binary', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.cjs', 'backfill', '--help']);
    expect(stdout).toMatch(/^usage: audit-ingest backfill --bucket NAME/);
  });
});
