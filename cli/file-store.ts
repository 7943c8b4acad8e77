// ObjectStore over local files, so the CLI runs the very same ingest path as the function:
// the "bucket" is the input file's folder, the key its name.

import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { ObjectRef, ObjectStore, OpenedObject } from '../lib/ingest';
import { fdWriter, streamWriter, type WriteChunk } from './fd-writer';

export interface FileStoreOptions {
  /** Where outputs go; undefined writes records to `stdout` and the summary to `stderr`. */
  outDir?: string;
  /** Read only when records go through it: not when written to `stdoutFd`. */
  readonly stdout: Writable;
  stderr: Writable;
  /** See CliIo.stdoutTakesLentChunks; files always do. */
  stdoutTakesLentChunks?: boolean;
  /** See CliIo.stdoutFd. */
  stdoutFd?: number;
}

export function fileStore(options: FileStoreOptions): ObjectStore {
  return {
    takesLentChunks: options.outDir !== undefined || options.stdoutFd !== undefined || options.stdoutTakesLentChunks === true,
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
        const fd = options.stdoutFd;
        await writeEach(body, fd === undefined ? streamWriter(options.stdout) : fdWriter(fd, () => options.stdout));
        return;
      }
      await mkdir(options.outDir, { recursive: true });
      const file = createWriteStream(join(options.outDir, key));
      try {
        await writeEach(body, streamWriter(file));
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
 * Writes each chunk while the next one is made, and waits until the last write is done before
 * the one after: at most one chunk in flight, so a lent buffer (lib/json-lines.ts: two take
 * turns) is free again when it is written over.
 */
async function writeEach(body: AsyncIterable<Buffer>, write: WriteChunk): Promise<void> {
  let inFlight: Promise<void> | undefined;
  try {
    for await (const chunk of body) {
      await inFlight;
      inFlight = write(chunk);
      // Its failure is seen at the next await; until then it must not count as unhandled.
      inFlight.catch(() => undefined);
    }
  } finally {
    // A failed parse still lets the last write finish with its buffer before anything else.
    await inFlight?.catch(() => undefined);
  }
  await inFlight;
}
