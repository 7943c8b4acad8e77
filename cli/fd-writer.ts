// Writes the records to stdout's file descriptor from libuv's threadpool. process.stdout on a
// pipe or socket is non-blocking and libuv feeds it only between event-loop turns, so the
// parse stood still while each batch drained to the reader: into the bench's sink (a socket)
// the 100 MB chunk at 2% FAILED took 1.42-2.09 s that way (median 1.57), 1.30-1.59 s (median
// 1.37) with these writes overlapping the parse (5 runs each, alternating; bench/measure.ts).

import { write } from 'node:fs';
import type { Writable } from 'node:stream';

/** Writes one chunk; resolves once the writer is done with its bytes (the buffer may be reused). */
export type WriteChunk = (chunk: Buffer) => Promise<void>;

/** Through a stream: done with a chunk when its write callback runs. */
export function streamWriter(to: Writable): WriteChunk {
  return (chunk) =>
    new Promise<void>((resolve, reject) => {
      to.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
}

function writeFrom(fd: number, chunk: Buffer, at: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, chunk, at, chunk.length - at, null, (err, written) => (err ? reject(err) : resolve(written)));
  });
}

/**
 * Blocking writes to `fd` (a file, pipe, socket or TTY, as a shell or a parent process hands
 * it over) from the threadpool. Once an fd turns out non-blocking (EAGAIN: process.stdout was
 * opened on it, which sets O_NONBLOCK), the rest goes through `fallback()`, the stream on it.
 */
export function fdWriter(fd: number, fallback: () => Writable): WriteChunk {
  let stream: WriteChunk | undefined;
  return async (chunk) => {
    if (stream) return stream(chunk);
    let at = 0;
    while (at < chunk.length) {
      try {
        // A pipe may take part of a chunk (its reader closed, or a signal): the rest follows.
        at += await writeFrom(fd, chunk, at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        stream = streamWriter(fallback());
        return stream(chunk.subarray(at));
      }
    }
  };
}
