// Counts the records a parse tool prints: its stdout is piped into the bench process and
// the LF bytes are counted chunk by chunk as they arrive (nothing buffered, nothing decoded),
// so the timed process is still the tool alone and every tool writes into the same sink.

import type { Readable } from 'node:stream';

const LF = 0x0a;

/** LF bytes in one chunk. */
export function countLf(chunk: Uint8Array): number {
  const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let n = 0;
  // indexOf runs in native code: far cheaper than a JavaScript loop over the bytes.
  for (let at = buf.indexOf(LF); at !== -1; at = buf.indexOf(LF, at + 1)) n += 1;
  return n;
}

/** Resolves with the number of LF bytes read from `stream` once it ends. */
export function countLines(stream: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    stream.on('data', (chunk: Buffer) => {
      n += countLf(chunk);
    });
    stream.once('end', () => resolve(n));
    stream.once('error', reject);
  });
}
