// Object keys: how event keys are decoded, and which keys the product writes.

export type KeyEncoding = 'url' | 'raw';

/**
 * AWS S3 event keys are URL-encoded form values ("+" is a space, "%xx" an escaped byte);
 * s3rver and Ceph deliver the key as stored. Which one applies is a property of the
 * store, so it is configured (EVENT_KEY_ENCODING), never guessed from the key itself.
 */
export function decodeEventKey(key: string, encoding: KeyEncoding): string {
  if (encoding === 'raw') return key;
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * "auto" resolves per event source: Ceph (ceph:s3) and S3's EventBridge events (aws.s3)
 * carry raw keys, AWS's S3 notifications (aws:s3) URL-encode them.
 */
export function keyEncodingFor(setting: 'auto' | KeyEncoding, eventSource: string): KeyEncoding {
  if (setting !== 'auto') return setting;
  return eventSource === 'ceph:s3' || eventSource === 'aws.s3' ? 'raw' : 'url';
}

export const RECORDS_SUFFIX = '.jsonl';
export const OUTPUT_COMPRESSIONS = ['none', 'gzip', 'zstd'] as const;
export type OutputCompression = (typeof OUTPUT_COMPRESSIONS)[number];
const COMPRESSED_EXTENSIONS: Record<OutputCompression, string> = { none: '', gzip: '.gz', zstd: '.zst' };
/** `.jsonl`, or `.jsonl.gz` / `.jsonl.zst` for compressed output. */
export function recordsSuffix(compression: OutputCompression): string {
  return RECORDS_SUFFIX + COMPRESSED_EXTENSIONS[compression];
}
/** Where notify keeps its exactly-once claims, in the same container. */
/** The product's own working files in a container (claims, Batch Operations manifests and reports). */
export const PRODUCT_PREFIX = '.audit-ingest/';
export const CLAIMS_PREFIX = `${PRODUCT_PREFIX}claims/`;
export const SUMMARY_SUFFIX = '.summary.json';

export interface OutputKeys {
  records: string;
  summary: string;
}

/** Outputs sit beside the chunk; they are derived from the source key alone. */
export function outputKeysFor(sourceKey: string, compression: OutputCompression = 'none'): OutputKeys {
  return { records: sourceKey + recordsSuffix(compression), summary: sourceKey + SUMMARY_SUFFIX };
}

/** Key of the n-th part (n >= 2) of a chunk's records; it keeps the records' suffix, so ingest skips it. */
export function partKeyFor(sourceKey: string, n: number, compression: OutputCompression = 'none'): string {
  return `${sourceKey}.part-${String(n).padStart(5, '0')}${recordsSuffix(compression)}`;
}

/**
 * The chunk a key would be an output of (`x` for `x.jsonl`, `x.part-00002.jsonl`, their
 * `.gz` and `.zst` forms, `x.summary.json`), or undefined when the key has no output's shape.
 */
export function outputSource(key: string): string | undefined {
  if (key.endsWith(SUMMARY_SUFFIX)) return key.slice(0, -SUMMARY_SUFFIX.length) || undefined;
  const suffix = OUTPUT_COMPRESSIONS.map(recordsSuffix).find((s) => key.endsWith(s));
  if (suffix === undefined) return undefined;
  const base = key.slice(0, -suffix.length);
  return base.replace(/\.part-\d{5}$/, '') || undefined;
}

/**
 * Why a key is not an input chunk, or undefined when it is one. A key shaped like an output
 * is ours only when its chunk exists: a user's own `events.jsonl` is a chunk like any other,
 * so the shape alone must not hide it (it costs one HEAD, only for such keys).
 */
export async function notAChunk(key: string, exists: (key: string) => Promise<boolean>): Promise<string | undefined> {
  if (key.startsWith(CLAIMS_PREFIX)) return 'alert claim of this product';
  if (key.startsWith(PRODUCT_PREFIX)) return 'working file of this product';
  if (key.endsWith('/')) return 'folder marker';
  const source = outputSource(key);
  if (source !== undefined && (await exists(source))) return 'output of this product';
  return undefined;
}
