// zstd in node:zlib exists from Node 22.15 only, and @types/node follows the oldest Node the
// CLI supports (20): reached through a typed lookup, present or not.

import * as zlib from 'node:zlib';

export const zstdDecompressSync = (zlib as { zstdDecompressSync?: (data: Buffer) => Buffer }).zstdDecompressSync;
/** Whether this Node has zstd (tests of zstd output run where it does; CI runs Node 22). */
export const hasZstd = zstdDecompressSync !== undefined;

export function unzstd(data: Buffer): Buffer {
  if (!zstdDecompressSync) throw new Error(`no zstd in Node ${process.version}`);
  return zstdDecompressSync(data);
}
