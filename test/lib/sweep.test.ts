import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { sweep, type ContainerReader, type SweepOptions } from '../../lib/sweep';
import { memoryLogger, memoryStore, type MemoryStore } from '../support/memory-store';

const LINE = '2015/06/29 14:35:30.902\tfscsm_user\tcreate user:op_user\tFAILED\n';

/** Lists a MemoryStore in pages of `pageSize` after the last key seen, as S3's continuation does. */
function reader(store: MemoryStore, bucket: string, pageSize = 3): ContainerReader {
  return {
    list(_b, prefix, token) {
      const keys = [...store.objects.keys()]
        .filter((k) => k.startsWith(`${bucket}/${prefix ?? ''}`))
        .map((k) => k.slice(bucket.length + 1))
        .sort();
      const after = token === undefined ? keys : keys.filter((k) => k > token);
      const page = after.slice(0, pageSize).map((key) => ({ key, etag: `etag-${store.objects.get(`${bucket}/${key}`)?.length}`, size: 1 }));
      return Promise.resolve({ objects: page, ...(after.length > pageSize ? { next: page[page.length - 1]?.key } : {}) });
    },
    summarizedEtag(_b, key) {
      const s = store.objects.get(`${bucket}/${key}`);
      return Promise.resolve(s ? (JSON.parse(s.toString()) as { source: { etag?: string } }).source.etag : undefined);
    },
  };
}

const options = (extra: Partial<SweepOptions> = {}): SweepOptions => ({
  ...DEFAULT_PARSE_OPTIONS,
  maxPayloadBytes: 240_000,
  bucket: 'b',
  deadline: Number.POSITIVE_INFINITY,
  ...extra,
});

function container(n: number): MemoryStore {
  return memoryStore(Object.fromEntries(Array.from({ length: n }, (_, i) => [`b/in/chunk ${i} ü.log`, LINE.repeat(i + 1)])));
}

describe('sweep', () => {
  it('ingests every chunk without a summary across pages, then finds nothing to do', async () => {
    const store = container(7);
    const deps = { store, log: memoryLogger(), sendFailures: () => Promise.resolve() };
    const first = await sweep(reader(store, 'b'), deps, options());
    expect(first).toMatchObject({ chunks: 7, processed: 7, upToDate: 0, complete: true, totals: { failedOperations: 28 } });
    const second = await sweep(reader(store, 'b'), deps, options());
    expect(second).toMatchObject({ chunks: 7, processed: 0, upToDate: 7, complete: true });
    expect(second.listed).toBe(21); // chunks + their two outputs each
  });

  it('redoes a chunk whose summary was written for another ETag', async () => {
    const store = container(2);
    const deps = { store, log: memoryLogger(), sendFailures: () => Promise.resolve() };
    await sweep(reader(store, 'b'), deps, options());
    store.objects.set('b/in/chunk 0 ü.log', Buffer.from(LINE.repeat(5))); // replaced: new ETag
    const again = await sweep(reader(store, 'b'), deps, options());
    expect(again).toMatchObject({ processed: 1, upToDate: 1 });
  });

  it('stops starting chunks when time runs low and the next run resumes', async () => {
    const store = container(6);
    const deps = { store, log: memoryLogger(), sendFailures: () => Promise.resolve() };
    let t = 0;
    const now = () => (t += 10);
    const partial = await sweep(reader(store, 'b'), deps, options({ now, deadline: 35 }));
    expect(partial.complete).toBe(false);
    expect(partial.processed).toBeGreaterThan(0);
    expect(partial.processed).toBeLessThan(6);
    const rest = await sweep(reader(store, 'b'), deps, options());
    expect(rest.processed + partial.processed).toBe(6);
    expect(rest.complete).toBe(true);
  });

  it('reports stale chunks without touching them in a dry run', async () => {
    const store = container(3);
    const report = await sweep(reader(store, 'b'), { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, options({ dryRun: true }));
    expect(report.stale).toHaveLength(3);
    expect(store.writes).toEqual([]);
  });

  it('keeps going past a chunk that fails and reports it', async () => {
    const store = container(3);
    store.failNextWrite = { afterBytes: 1 };
    const report = await sweep(reader(store, 'b'), { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, options());
    expect(report.failed).toHaveLength(1);
    expect(report.processed).toBe(2);
  });
});
