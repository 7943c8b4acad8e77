// Child process: the floor of what Node can do with a chunk — read it (gunzip if it is
// gzip), split it into lines with node:readline, count them, nothing else. Our CLI does
// this much plus parsing and JSON, so its time over this one is what parsing costs.
//   node readline-count.cjs FILE      prints {"lines":N} on stderr

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

async function isGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await file.close();
  }
}

async function main(path: string): Promise<void> {
  // Same read size as the CLI's file store (256 KiB), so the two differ only in what they do per line.
  const raw = createReadStream(path, { highWaterMark: 256 * 1024 });
  const input: Readable = (await isGzip(path)) ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let count = 0;
  for await (const _line of lines) count += 1;
  process.stderr.write(JSON.stringify({ lines: count }) + '\n');
}

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: readline-count FILE\n');
  process.exit(2);
}
main(path).catch((err: unknown) => {
  process.stderr.write(`readline-count: ${String(err)}\n`);
  process.exit(1);
});
