import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_OPTIONS } from '../../lib/pipeline';
import { sweep, type ContainerReader, type SweepOptions, type SweepProgress } from '../../lib/sweep';
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

  it('gives the same report at concurrency 8 as at 1, and a second run does nothing', async () => {
    const one = container(20);
    const eight = container(20);
    const deps = (store: MemoryStore) => ({ store, log: memoryLogger(), sendFailures: () => Promise.resolve() });
    const a = await sweep(reader(one, 'b', 4), deps(one), options({ concurrency: 1 }));
    const b = await sweep(reader(eight, 'b', 4), deps(eight), options({ concurrency: 8 }));
    expect(b).toEqual(a);
    expect(b).toMatchObject({ chunks: 20, processed: 20, complete: true });
    expect(await sweep(reader(eight, 'b', 4), deps(eight), options({ concurrency: 8 }))).toMatchObject({ processed: 0, upToDate: 20 });
  });

  it('keeps at most `concurrency` chunks in flight, and uses that many', async () => {
    const store = container(24);
    let inFlight = 0;
    let peak = 0;
    const open = store.open.bind(store);
    store.open = async (ref, o) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      return open(ref, o);
    };
    const writeJson = store.writeJson.bind(store);
    store.writeJson = async (bucket, key, value) => {
      await writeJson(bucket, key, value);
      if (key.endsWith('.summary.json')) inFlight -= 1; // the chunk is done
    };
    const report = await sweep(reader(store, 'b', 5), { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, options({ concurrency: 6 }));
    expect(report.processed).toBe(24);
    expect(peak).toBe(6);
  });

  it('asks for the next listing page while the current one is being worked', async () => {
    const store = container(9);
    const base = reader(store, 'b', 3);
    const events: string[] = [];
    const traced: ContainerReader = {
      list: (b, p, t) => {
        events.push(`list ${t ?? 'start'}`);
        return base.list(b, p, t);
      },
      summarizedEtag: async (b, k) => {
        await new Promise((r) => setTimeout(r, 1));
        events.push('lookup');
        return base.summarizedEtag(b, k);
      },
    };
    await sweep(traced, { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, options({ concurrency: 2 }));
    expect(events[0]).toBe('list start');
    expect(events[1]).toMatch(/^list /); // page 2 requested before the first lookup answered
  });

  it('starts no chunk once its signal is aborted, finishes those in hand, and the next run does the rest', async () => {
    const store = container(10);
    const controller = new AbortController();
    const deps = { store, log: memoryLogger(), sendFailures: () => Promise.resolve() };
    const partial = await sweep(reader(store, 'b'), deps, {
      ...options({ concurrency: 2, signal: controller.signal }),
      onProgress: (r) => {
        if (r.processed === 3) controller.abort();
      },
    });
    expect(partial.complete).toBe(false);
    expect(partial.processed).toBeGreaterThanOrEqual(3);
    expect(partial.processed).toBeLessThanOrEqual(4); // at most the one other chunk in hand
    const summaries = [...store.objects.keys()].filter((k) => k.endsWith('.summary.json')).length;
    expect(summaries).toBe(partial.processed);
    const rest = await sweep(reader(store, 'b'), deps, options({ concurrency: 2 }));
    expect(rest.processed).toBe(10 - partial.processed);
  });

  it('reports chunks and bytes done of those listed, ending with every byte done', async () => {
    const store = container(5);
    const seen: SweepProgress[] = [];
    await sweep(reader(store, 'b', 2), { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, {
      ...options({ concurrency: 3 }),
      onProgress: (_r, p) => seen.push({ ...p }),
    });
    const last = seen[seen.length - 1];
    // The test reader lists every object with size 1.
    expect(last).toEqual({ candidates: 5, candidateBytes: 5, done: 5, doneBytes: 5, ingestedBytes: 5, listingComplete: true });
    for (const p of seen) expect(p.done).toBeLessThanOrEqual(p.candidates);
  });

  it('lists dry-run results in listing order whatever the concurrency', async () => {
    const store = container(12);
    const report = await sweep(reader(store, 'b', 5), { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, options({ dryRun: true, concurrency: 5 }));
    expect(report.stale).toEqual([...report.stale].sort());
    expect(report.stale).toHaveLength(12);
  });

  it('fails when the store fails a summary lookup, after the chunks in hand', async () => {
    const store = container(6);
    const base = reader(store, 'b');
    let lookups = 0;
    const failing: ContainerReader = {
      list: (b, p, t) => base.list(b, p, t),
      summarizedEtag: (b, k) => (++lookups === 3 ? Promise.reject(new Error('store unavailable')) : base.summarizedEtag(b, k)),
    };
    await expect(sweep(failing, { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, options({ concurrency: 2 }))).rejects.toThrow('store unavailable');
  });

  it('hands stale chunks on instead of ingesting them, counting them, and fails those it could not hand on', async () => {
    const store = container(4);
    const handed: string[] = [];
    const report = await sweep(reader(store, 'b'), { store, log: memoryLogger(), sendFailures: () => Promise.resolve() }, {
      ...options({ concurrency: 2 }),
      handOff: (obj) => (obj.key.includes('chunk 2') ? Promise.reject(new Error('throttled')) : Promise.resolve(void handed.push(obj.key))),
    });
    expect(report).toMatchObject({ chunks: 4, processed: 0, handedOff: 3, failed: [{ key: 'in/chunk 2 ü.log', error: 'throttled' }] });
    expect(handed.sort()).toEqual(['in/chunk 0 ü.log', 'in/chunk 1 ü.log', 'in/chunk 3 ü.log']);
    expect(store.writes).toEqual([]);
  });
});
