// Stage 1 of the read path (object bytes -> plain bytes). Detects gzip by its magic bytes,
// not by the key's extension (chunks are often renamed), and inflates it as a stream.
// Node's gunzip reads concatenated (multi-member) gzip, as produced by log rotators that
// append compressed blocks.

import { pipeline } from 'node:stream';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type Compression = 'none' | 'gzip';

/** The compressed input is damaged or too large once inflated: the chunk itself is bad. */
export class InflateError extends Error {
  override readonly name = 'InflateError';
}

export interface Decoded {
  compression: Compression;
  /** The first decoded bytes, for format detection (at most `sniffBytes`). */
  head: Buffer;
  chunks: AsyncIterable<Buffer>;
}

export interface InflateOptions {
  /** Upper bound on inflated bytes, against gzip bombs. */
  maxDecompressedBytes: number;
  sniffBytes?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

export async function decode(source: AsyncIterable<Uint8Array>, options: InflateOptions): Promise<Decoded> {
  // Two bytes decide gzip; the smallest first chunk a store may hand us is one byte.
  const raw = await peek(asBuffers(source), GZIP_MAGIC.length);
  const gzip = raw.head[0] === GZIP_MAGIC[0] && raw.head[1] === GZIP_MAGIC[1];
  const plain = gzip ? gunzip(raw.chunks, options.maxDecompressedBytes) : raw.chunks;
  const sniffed = await peek(plain, options.sniffBytes ?? 4096);
  return { compression: gzip ? 'gzip' : 'none', head: sniffed.head, chunks: sniffed.chunks };
}

async function* gunzip(input: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  const inflater = createGunzip();
  // pipeline() forwards a source failure (e.g. GetObject dropping mid-stream) into the
  // inflater, so the loop below rethrows it instead of hanging.
  pipeline(Readable.from(input), inflater, () => undefined);
  let total = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new InflateError(`gzip content exceeds the limit of ${maxBytes} decompressed bytes (MAX_DECOMPRESSED_BYTES)`);
      }
      yield chunk;
    }
  } catch (err) {
    if (err instanceof InflateError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_ZLIB_BINDING_CLOSED') {
      throw new InflateError(`gzip content is damaged or truncated (${(err as Error).message})`);
    }
    throw err;
  } finally {
    inflater.destroy();
  }
}

/** Reads the first `want` bytes of a stream for detection and replays them ahead of the rest. */
async function peek(
  chunks: AsyncIterable<Buffer>,
  want: number,
): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < want) {
    let next: IteratorResult<Buffer>;
    try {
      next = await iterator.next();
    } catch (err) {
      // A damaged gzip header surfaces here; replay what we have and rethrow on iteration.
      return { head: Buffer.concat(seen, len), chunks: replay(seen, undefined, err as Error) };
    }
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    len += next.value.length;
  }
  const head = Buffer.concat(seen, len).subarray(0, want);
  return { head, chunks: replay(seen, done ? undefined : iterator) };
}

async function* replay(seen: Buffer[], rest: AsyncIterator<Buffer> | undefined, error?: Error): AsyncGenerator<Buffer> {
  for (const b of seen) yield b;
  if (error !== undefined) throw error;
  if (!rest) return;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

async function* asBuffers(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}
