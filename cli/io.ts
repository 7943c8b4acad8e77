// What a CLI command reads and writes: its own module, so that the commands (cli/audit-ingest.ts,
// cli/backfill.ts, cli/watch.ts) and their helpers (cli/args.ts, cli/progress.ts,
// cli/sweep-setup.ts) import it without importing one another.

import type { Writable } from 'node:stream';

export interface CliIo {
  stdout: NodeJS.WritableStream & Writable;
  stderr: NodeJS.WritableStream & Writable;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGTERM/SIGINT (cli/bin.ts): long commands stop after the chunks in hand. */
  signal?: AbortSignal;
  /**
   * stdout is done with a chunk when its write callback runs (process.stdout: a file, pipe or
   * TTY), so output buffers may be reused after it; a stream that hands chunks on (a PassThrough) is not.
   */
  stdoutTakesLentChunks?: boolean;
  /**
   * stdout's file descriptor (cli/bin.ts: 1): records are written to it from the threadpool
   * while the parse goes on (cli/fd-writer.ts), and `stdout` is then not even opened for them.
   */
  stdoutFd?: number;
}
