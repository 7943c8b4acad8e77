// Entry point of the bundled CLI (dist/cli.cjs). The first SIGTERM/SIGINT asks the command
// to stop after the chunks in hand (backfill, watch); a second one exits at once, as a
// kill would: a chunk cut off there has no summary, so the next run does it again.
import { main } from './audit-ingest';

const stop = new AbortController();
for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(code);
    process.stderr.write(`audit-ingest: ${signal}: stopping after the chunks in hand (again to stop now)\n`);
    stop.abort();
  });
}

let stdout: NodeJS.WriteStream | undefined;
const io = {
  // Opened on first use only: it makes fd 1 non-blocking, and parse writes records to fd 1
  // itself (cli/fd-writer.ts).
  get stdout(): NodeJS.WriteStream {
    if (stdout === undefined) {
      stdout = process.stdout;
      // A reader that went away (`| head`) fails the writes, whose callbacks report it
      // (cli/audit-ingest.ts stops); without a listener the stream's 'error' would crash.
      stdout.on('error', () => undefined);
    }
    return stdout;
  },
  stderr: process.stderr,
  env: process.env,
  signal: stop.signal,
  // Records are lent to fd 1's writer; stdout is then only its fallback (cli/file-store.ts).
  stdoutFd: 1,
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
    // The signal handlers keep nothing alive, but open sockets of the SDK's agents might.
    if (stop.signal.aborted) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`audit-ingest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
