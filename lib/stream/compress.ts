// Output compression (records -> gzip or zstd), the mirror of inflate.ts's first stage.

import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { OutputCompression } from '../keys';

/**
 * gzip level 2: on JSON Lines records it keeps the output to about 1/8 (100 MB of FSCSM: 379 MB
 * of records, about 48 MB gzipped) at a third of the default level's CPU; level 1 costs the
 * same here and writes 7% more (measured: 150 MB of records, 0.44 s for either level,
 * 20.6 MB at level 1, 19.1 MB at 2, 0.53 s at 3; the default level 6 is 3x slower).
 */
const GZIP_LEVEL = 2;
/**
 * zstd level 1: the same 379 MB of records in 1.2 CPU s instead of gzip's 1.8, to 47 MB
 * (Node 22.23; level 3, zstd's default, 1.4 s and 44 MB).
 */
const ZSTD_LEVEL = 1;
/** zlib.constants.ZSTD_c_compressionLevel (zstd.h), named here for Node versions without zstd. */
const ZSTD_C_COMPRESSION_LEVEL = 100;
// Output pieces of 256 KiB instead of zlib's 16 KiB: a sixteenth of the stream callbacks
// (profiled: zlib's JavaScript side was 13% of ingest with the default).
const CHUNK_SIZE = 256 * 1024;

type ZstdCompressFactory = (options: { chunkSize?: number; params?: Record<number, number> }) => Transform;
// zstd is in node:zlib from Node 22.15 (the functions' runtime, nodejs22.x); the CLI also runs on 20.
const createZstdCompress = (zlib as { createZstdCompress?: ZstdCompressFactory }).createZstdCompress;

/** Whether this Node can write zstd (config refuses OUTPUT_COMPRESSION=zstd where it cannot). */
export function zstdAvailable(): boolean {
  return createZstdCompress !== undefined;
}

export const CONTENT_TYPES: Record<OutputCompression, string> = {
  none: 'application/x-ndjson',
  gzip: 'application/gzip',
  zstd: 'application/zstd',
};

function compressor(compression: Exclude<OutputCompression, 'none'>): Transform {
  if (compression === 'gzip') return zlib.createGzip({ level: GZIP_LEVEL, chunkSize: CHUNK_SIZE });
  if (!createZstdCompress) throw new Error(`zstd output needs Node >= 22.15 (this is ${process.version})`);
  return createZstdCompress({ chunkSize: CHUNK_SIZE, params: { [ZSTD_C_COMPRESSION_LEVEL]: ZSTD_LEVEL } });
}

/** The records compressed as a stream. */
export async function* compressed(source: AsyncIterable<Buffer>, compression: Exclude<OutputCompression, 'none'>): AsyncGenerator<Buffer> {
  const stream = compressor(compression);
  const done = pipeline(Readable.from(source), stream);
  // Awaited below; if the consumer stops early, the premature close must not go unhandled.
  done.catch(() => undefined);
  for await (const chunk of stream) yield chunk as Buffer;
  await done;
}
