import { describe, expect, it } from 'vitest';
import { decodeEventKey, keyEncodingFor, notAChunk, outputKeysFor, outputSource, partKeyFor } from '../../lib/keys';

describe('decodeEventKey', () => {
  it.each([
    ['with+space.log', 'with space.log'],
    ['plus%2Bsign.log', 'plus+sign.log'],
    ['percent%25.log', 'percent%.log'],
    ['%C3%BCnic%C3%B6de-%E7%9B%A3%E6%9F%BB.log', 'ünicöde-監査.log'],
    ['q%26a%3D1%3Fx.log', 'q&a=1?x.log'],
    ['dir/sub%2Fname.log', 'dir/sub/name.log'],
  ])('decodes the AWS form %j to %j', (encoded, key) => {
    expect(decodeEventKey(encoded, 'url')).toBe(key);
  });

  it.each(['with space.log', 'plus+sign.log', 'percent%41%zz.log', 'ünïcödé.log', 'q&a=1?x.log'])(
    'passes the raw form %j through untouched',
    (key) => {
      expect(decodeEventKey(key, 'raw')).toBe(key);
    },
  );

  it('rejects a malformed URL encoding instead of guessing', () => {
    expect(() => decodeEventKey('bad%zz', 'url')).toThrow(URIError);
  });
});

describe('keyEncodingFor', () => {
  it('follows the configuration when it is explicit', () => {
    expect(keyEncodingFor('raw', 'aws:s3')).toBe('raw');
    expect(keyEncodingFor('url', 'ceph:s3')).toBe('url');
  });
  it('resolves auto by event source: Ceph and S3 through EventBridge raw, AWS S3 notifications URL-encoded', () => {
    expect(keyEncodingFor('auto', 'ceph:s3')).toBe('raw');
    expect(keyEncodingFor('auto', 'aws.s3')).toBe('raw');
    expect(keyEncodingFor('auto', 'aws:s3')).toBe('url');
  });
});

describe('outputs', () => {
  it('sits beside the chunk, derived from its key alone', () => {
    expect(outputKeysFor('a/b c.log')).toEqual({ records: 'a/b c.log.jsonl', summary: 'a/b c.log.summary.json' });
    expect(outputKeysFor('a/b c.log', 'gzip')).toEqual({ records: 'a/b c.log.jsonl.gz', summary: 'a/b c.log.summary.json' });
    expect(partKeyFor('a.log', 2, 'gzip')).toBe('a.log.part-00002.jsonl.gz');
    expect(outputKeysFor('a.log', 'zstd').records).toBe('a.log.jsonl.zst');
    expect(partKeyFor('a.log', 3, 'zstd')).toBe('a.log.part-00003.jsonl.zst');
  });
  it('knows which chunk an output-shaped key would belong to', () => {
    expect(outputSource('x.log.jsonl')).toBe('x.log');
    expect(outputSource('x.log.part-00002.jsonl')).toBe('x.log');
    expect(outputSource('x.log.summary.json')).toBe('x.log');
    expect(outputSource('x.log.jsonl.gz')).toBe('x.log');
    expect(outputSource('x.log.part-00002.jsonl.gz')).toBe('x.log');
    expect(outputSource('x.log.part-00002.jsonl.zst')).toBe('x.log');
    expect(outputSource('x.log.gz')).toBeUndefined();
    expect(outputSource('x.log.zst')).toBeUndefined();
    expect(outputSource('x.log')).toBeUndefined();
    expect(outputSource('.jsonl')).toBeUndefined();
  });

  it('skips its own outputs, claims and folder markers, but not a chunk that merely ends in .jsonl', async () => {
    const present = new Set(['x.log']);
    const exists = (k: string) => Promise.resolve(present.has(k));
    expect(await notAChunk('x.log.jsonl', exists)).toMatch(/output/);
    expect(await notAChunk('x.log.part-00003.jsonl', exists)).toMatch(/output/);
    expect(await notAChunk('x.log.summary.json', exists)).toMatch(/output/);
    expect(await notAChunk('folder/', exists)).toMatch(/folder/);
    expect(await notAChunk('.audit-ingest/claims/ab/abcd.0', exists)).toMatch(/claim/);
    expect(await notAChunk('.audit-ingest/batch/reports/job-1/results/a.csv', exists)).toMatch(/working file/);
    expect(await notAChunk('fscsm_audit.log.3', exists)).toBeUndefined();
    expect(await notAChunk('keystone-events.jsonl', exists)).toBeUndefined();
  });
});
