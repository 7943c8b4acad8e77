// Sweep a container for chunks without an up-to-date summary (none, or one written for
// another ETag) and ingest them: for stores without notifications (OpenStack Swift), for
// backfills, and as a safety net for lost events. It stops starting new chunks when its
// time runs low; a chunk left unfinished has no summary, so the next run picks it up.

import { ingestWhole, ObjectMissingError, type IngestDeps, type IngestOptions } from './ingest';
import { notAChunk, outputKeysFor } from './keys';

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
  /** Report what would be ingested, without reading or writing anything. */
  dryRun?: boolean;
  now?: () => number;
  onProgress?: (report: SweepReport) => void;
}

export interface SweepReport {
  listed: number;
  chunks: number;
  upToDate: number;
  processed: number;
  /** Under dryRun: the stale chunks that would be processed. */
  stale: string[];
  failed: { key: string; error: string }[];
  totals: { parsed: number; errors: number; failedOperations: number };
  /** False when time ran out before the end of the listing: the next run goes on. */
  complete: boolean;
}

export async function sweep(reader: ContainerReader, deps: IngestDeps, options: SweepOptions): Promise<SweepReport> {
  const now = options.now ?? Date.now;
  const minLeft = options.minTimeLeftMs ?? 0;
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
  let token: string | undefined;
  do {
    const page = await reader.list(options.bucket, options.prefix, token);
    token = page.next;
    for (const obj of page.objects) {
      if (now() + minLeft > options.deadline) {
        options.onProgress?.(report);
        return report; // complete stays false: the next run starts over and skips what is done
      }
      report.listed += 1;
      if (await notAChunk(obj.key, (k) => deps.store.exists(options.bucket, k))) continue;
      report.chunks += 1;
      const done = await reader.summarizedEtag(options.bucket, outputKeysFor(obj.key).summary);
      if (done !== undefined && done === obj.etag) {
        report.upToDate += 1;
        continue;
      }
      if (options.dryRun) {
        report.stale.push(obj.key);
        continue;
      }
      try {
        const { summary } = await ingestWhole({ bucket: options.bucket, key: obj.key, etag: obj.etag, size: obj.size }, deps, options);
        report.processed += 1;
        report.totals.parsed += summary.counts.parsed;
        report.totals.errors += summary.counts.errors;
        report.totals.failedOperations += summary.counts.failedOperations;
      } catch (err) {
        if (err instanceof ObjectMissingError) continue; // deleted since the listing
        deps.log.error('sweep could not ingest a chunk', { bucket: options.bucket, key: obj.key, error: err });
        report.failed.push({ key: obj.key, error: err instanceof Error ? err.message : String(err) });
      }
      options.onProgress?.(report);
    }
  } while (token !== undefined);
  report.complete = true;
  options.onProgress?.(report);
  return report;
}
