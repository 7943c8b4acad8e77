import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeCommand } from '../../bench/measure';
import { countLf, countLines } from '../../bench/output-count';

describe('output line count', () => {
  it('counts LF bytes across chunks, a last line without LF not counted', async () => {
    expect(countLf(Buffer.from('a\nb\n\nc'))).toBe(3);
    expect(countLf(new Uint8Array([10, 65, 10]))).toBe(2);
    expect(await countLines(Readable.from([Buffer.from('{"a":1}\n{"a'), Buffer.from('":2}\n'), Buffer.from('x')]))).toBe(2);
  });

  it('writes the command line a user would type', () => {
    const root = '/work/p';
    expect(describeCommand({ command: process.execPath, args: ['/work/p/dist/cli.cjs', 'parse', '/work/p/.bench/a.log'] }, root)).toBe('node dist/cli.cjs parse .bench/a.log');
    expect(describeCommand({ command: 'jq', args: ['-cR', 'split("\\t") | .[0]', '/work/p/f'] }, root)).toBe(`jq -cR 'split("\\t") | .[0]' f`);
    expect(describeCommand({ command: 'lognormalizer', args: ['-r', '/work/p/x.rulebase'], stdinFile: '/work/p/f' }, root)).toBe('lognormalizer -r x.rulebase < f');
    expect(describeCommand({ command: '/bin/sh', args: ['-c', `gzip -dc "$1" | "$0" '-c'`, 'jq', '/work/p/f.gz'] }, root)).toBe(`gzip -dc f.gz | jq '-c'`);
  });
});
