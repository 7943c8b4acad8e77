// Sweep a container for chunks without an up-to-date summary (none, or one written for
// another ETag) and ingest them: for stores without notifications (OpenStack Swift), for
// backfills, and as a safety net for lost events. It stops starting new chunks when its
// time runs low or its signal is aborted; a chunk left unfinished has no summary, so the
// next run picks it up.
//
// Up to `concurrency` objects are worked at once (summary lookup, then ingest), pulled from
// one listing whose next page is fetched while the current one is worked: memory is one or
// two listing pages plus what `concurrency` chunks in flight hold.

import { ingestWhole, ObjectMissingError, type IngestDeps, type IngestOptions } from './ingest';
import { notAChunk, outputKeysFor, outputSource, PRODUCT_PREFIX } from './keys';

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
}

export interface ContainerReader {
  /** One page of the listing (keys in lexicographic order). */
  list(bucket: string, prefix: string | undefined, token: string | undefined): Promise<{ objects: ListedObject[]; next?: string }>;
  /** The source ETag a chunk's summary was written for, or undefined when there is no summary. */
  summarizedEtag(bucket: string, summaryKey: string): Promise<string | undefined>;
}

export interface SweepOptions extends IngestOptions {
  bucket: string;
  prefix?: string;
  /** Epoch ms; no chunk is started when less than `minTimeLeftMs` remains before it. */
  deadline: number;
  minTimeLeftMs?: number;
  /** Objects worked at once (default 1). */
  concurrency?: number;
  /** Aborted: no new chunk is started; the chunks in hand finish. */
  signal?: AbortSignal;
  /** Report what would be ingested, without reading or writing anything. */
  dryRun?: boolean;
  /**
   * Hands each stale chunk on (an async invoke of the ingest function) instead of ingesting
   * it here; counted in `handedOff`. Its outputs appear when that run finishes.
   */
  handOff?: (obj: ListedObject) => Promise<void>;
  now?: () => number;
  onProgress?: (report: SweepReport, progress: SweepProgress) => void;
}

export interface SweepReport {
  listed: number;
  chunks: number;
  upToDate: number;
  processed: number;
  /** Under dryRun: the stale chunks that would be processed. */
  stale: string[];
  /** With handOff: the stale chunks handed on. */
  handedOff?: number;
  failed: { key: string; error: string }[];
  totals: { parsed: number; errors: number; failedOperations: number };
  /** False when time ran out (or the signal was aborted) before the end of the listing: the next run goes on. */
  complete: boolean;
}

/** For a progress display: what is known of the listing so far, and what is done of it. */
export interface SweepProgress {
  /** Listed objects that look like chunks (not outputs, claims or folder markers), and their bytes. */
  candidates: number;
  candidateBytes: number;
  /** Of those, decided (up to date, processed, failed or found not to be a chunk). */
  done: number;
  doneBytes: number;
  /** Bytes of the chunks ingested in this run (the rate's numerator). */
  ingestedBytes: number;
  /** The listing reached its end: the totals are final. */
  listingComplete: boolean;
}

export async function sweep(reader: ContainerReader, deps: IngestDeps, options: SweepOptions): Promise<SweepReport> {
  const now = options.now ?? Date.now;
  const minLeft = options.minTimeLeftMs ?? 0;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const report: SweepReport = {
    listed: 0,
    chunks: 0,
    upToDate: 0,
    processed: 0,
    stale: [],
    failed: [],
    totals: { parsed: 0, errors: 0, failedOperations: 0 },
    complete: false,
  };
  const progress: SweepProgress = { candidates: 0, candidateBytes: 0, done: 0, doneBytes: 0, ingestedBytes: 0, listingComplete: false };
  const stale: { seq: number; key: string }[] = [];
  const objects = listing(reader, options, progress);
  let seq = 0;
  let stopped = false;

  /** The next object to work, or undefined when the listing ended or no new chunk may start. */
  const take = async (): Promise<{ obj: ListedObject; seq: number } | undefined> => {
    if (stopped) return undefined;
    if (options.signal?.aborted || now() + minLeft > options.deadline) {
      stopped = true; // complete stays false: the next run starts over and skips what is done
      return undefined;
    }
    const next = await objects.next();
    if (next.done) return undefined;
    report.listed += 1;
    return { obj: next.value, seq: seq++ };
  };

  /** Whether each object in hand is in the progress totals (known chunks are, from their listing). */
  const counted = new Set<ListedObject>();

  const work = async (obj: ListedObject, at: number): Promise<void> => {
    if (looksLikeChunk(obj.key)) counted.add(obj);
    if (await notAChunk(obj.key, (k) => deps.store.exists(options.bucket, k))) return;
    if (!counted.has(obj)) {
      // A chunk with an output's shape (a user's own `x.jsonl`): counted now it is known.
      counted.add(obj);
      progress.candidates += 1;
      progress.candidateBytes += obj.size;
    }
    report.chunks += 1;
    const done = await reader.summarizedEtag(options.bucket, outputKeysFor(obj.key).summary);
    if (done !== undefined && done === obj.etag) {
      report.upToDate += 1;
      return;
    }
    if (options.dryRun) {
      stale.push({ seq: at, key: obj.key });
      return;
    }
    try {
      if (options.handOff) {
        await options.handOff(obj);
        report.handedOff = (report.handedOff ?? 0) + 1;
        return;
      }
      const { summary } = await ingestWhole({ bucket: options.bucket, key: obj.key, etag: obj.etag, size: obj.size }, deps, options);
      report.processed += 1;
      report.totals.parsed += summary.counts.parsed;
      report.totals.errors += summary.counts.errors;
      report.totals.failedOperations += summary.counts.failedOperations;
      progress.ingestedBytes += obj.size;
    } catch (err) {
      if (err instanceof ObjectMissingError) return; // deleted since the listing
      deps.log.error('sweep could not ingest a chunk', { bucket: options.bucket, key: obj.key, error: err });
      report.failed.push({ key: obj.key, error: err instanceof Error ? err.message : String(err) });
    }
  };

  const worker = async (): Promise<void> => {
    for (let item = await take(); item !== undefined; item = await take()) {
      try {
        await work(item.obj, item.seq);
      } catch (err) {
        stopped = true; // the store failed a lookup: the others finish what they hold, then the sweep fails
        throw err;
      } finally {
        if (counted.delete(item.obj)) {
          progress.done += 1;
          progress.doneBytes += item.obj.size;
        }
      }
      options.onProgress?.(report, progress);
    }
  };

  const results = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  await objects.return(undefined); // stopped early: drop the prefetched page
  report.stale = stale.sort((a, b) => a.seq - b.seq).map((s) => s.key);
  report.complete = !stopped;
  options.onProgress?.(report, progress);
  return report;
}

/** Whether a key is counted in the progress totals as soon as it is listed (no HEAD needed). */
function looksLikeChunk(key: string): boolean {
  return !key.startsWith(PRODUCT_PREFIX) && !key.endsWith('/') && outputSource(key) === undefined;
}

/** The listing's objects one by one; the next page is requested as soon as one arrives. */
async function* listing(reader: ContainerReader, options: SweepOptions, progress: SweepProgress): AsyncGenerator<ListedObject, void, undefined> {
  const fetch = (token: string | undefined) => {
    const page = reader.list(options.bucket, options.prefix, token);
    page.catch(() => undefined); // awaited below; unobserved only if the sweep stopped first
    return page;
  };
  let pending = fetch(undefined);
  for (;;) {
    const page = await pending;
    if (page.next !== undefined) pending = fetch(page.next);
    for (const obj of page.objects) {
      if (looksLikeChunk(obj.key)) {
        progress.candidates += 1;
        progress.candidateBytes += obj.size;
      }
    }
    if (page.next === undefined) progress.listingComplete = true;
    yield* page.objects;
    if (page.next === undefined) return;
  }
}
