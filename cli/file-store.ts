// ObjectStore over local files, so the CLI runs the very same ingest path as the function:
// the "bucket" is the input file's folder, the key its name.

import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { ObjectRef, ObjectStore, OpenedObject } from '../lib/ingest';

export interface FileStoreOptions {
  /** Where outputs go; undefined writes records to `stdout` and the summary to `stderr`. */
  outDir?: string;
  stdout: Writable;
  stderr: Writable;
  /** See CliIo.stdoutTakesLentChunks; files always do. */
  stdoutTakesLentChunks?: boolean;
}

export function fileStore(options: FileStoreOptions): ObjectStore {
  return {
    takesLentChunks: options.outDir !== undefined || options.stdoutTakesLentChunks === true,
    async open(ref: ObjectRef): Promise<OpenedObject> {
      const path = ref.bucket === '' ? ref.key : join(ref.bucket, ref.key);
      const info = await stat(path); // throws ENOENT before any output is written
      return { body: createReadStream(path, { highWaterMark: 256 * 1024 }), size: info.size };
    },

    async exists(bucket, key): Promise<boolean> {
      try {
        await stat(join(bucket, key));
        return true;
      } catch {
        return false;
      }
    },

    async writeStream(_bucket, key, body): Promise<void> {
      if (options.outDir === undefined) {
        // stdout stays open for the next file.
        await writeEach(body, options.stdout);
        return;
      }
      await mkdir(options.outDir, { recursive: true });
      const file = createWriteStream(join(options.outDir, key));
      try {
        await writeEach(body, file);
        await new Promise<void>((resolve, reject) => {
          file.once('error', reject);
          file.end(resolve);
        });
      } finally {
        file.destroy();
      }
    },

    async writeJson(_bucket, key, value): Promise<void> {
      const text = JSON.stringify(value, null, options.outDir === undefined ? undefined : 2) + '\n';
      if (options.outDir === undefined) {
        options.stderr.write(text);
        return;
      }
      await writeFile(join(options.outDir, key), text);
    },
  };
}

/**
 * Writes each chunk and waits until the stream is done with it before asking for the next:
 * the chunks are lent (ObjectStore.writeStream), so none may wait in a stream's buffer.
 */
async function writeEach(body: AsyncIterable<Buffer>, to: Writable): Promise<void> {
  for await (const chunk of body) {
    await new Promise<void>((resolve, reject) => {
      to.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  }
}
