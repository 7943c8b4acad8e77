// Output compression (records -> gzip), the mirror of inflate.ts's first stage.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Level 2: on JSON Lines records it keeps the output to about 1/8 (100 MB of FSCSM: 379 MB
 * of records, about 48 MB gzipped) at a third of the default level's CPU; level 1 costs the
 * same here and writes 7% more (measured: 150 MB of records, 0.44 s for either level,
 * 20.6 MB at level 1, 19.1 MB at 2, 0.53 s at 3; the default level 6 is 3x slower).
 */
const LEVEL = 2;

export async function* gzipped(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // Output pieces of 256 KiB instead of zlib's 16 KiB: a sixteenth of the stream callbacks
  // (profiled: zlib's JavaScript side was 13% of ingest with the default).
  const gzip = createGzip({ level: LEVEL, chunkSize: 256 * 1024 });
  const done = pipeline(Readable.from(source), gzip);
  // Awaited below; if the consumer stops early, the premature close must not go unhandled.
  done.catch(() => undefined);
  for await (const chunk of gzip) yield chunk as Buffer;
  await done;
}
