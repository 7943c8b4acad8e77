// ObjectStore over local files, so the CLI runs the very same ingest path as the function:
// the "bucket" is the input file's folder, the key its name.

import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectRef, ObjectStore, OpenedObject } from '../lib/ingest';

export interface FileStoreOptions {
  /** Where outputs go; undefined writes records to `stdout` and the summary to `stderr`. */
  outDir?: string;
  stdout: Writable;
  stderr: Writable;
}

export function fileStore(options: FileStoreOptions): ObjectStore {
  return {
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
        // end: false — stdout stays open for the next file.
        await pipeline(Readable.from(body), options.stdout, { end: false });
        return;
      }
      await mkdir(options.outDir, { recursive: true });
      await pipeline(Readable.from(body), createWriteStream(join(options.outDir, key)));
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
