// Child process for test/cli/fd-writer.test.ts: writes `count` chunks of `size` bytes to fd 1
// through the CLI's file store, from two buffers that take turns as lib/json-lines.ts lends
// them. Bundled by the test and run by plain node: `--import tsx` opens process.stdout, which
// makes fd 1 non-blocking. `open-stdout` does that on purpose (the fallback path); the child
// says on stderr when the records went through the stream.
import { PassThrough } from 'node:stream';
import { fileStore } from '../../cli/file-store';

/** The byte at `at` of chunk `n`: what the parent checks. */
export function expectedByte(n: number, at: number): number {
  return at % 64 === 63 ? 0x0a : 0x61 + ((n + at) % 26);
}

async function* lent(count: number, size: number): AsyncGenerator<Buffer> {
  const buffers = [Buffer.alloc(size), Buffer.alloc(size)];
  for (let n = 0; n < count; n++) {
    const buf = buffers[n % 2] as Buffer;
    await Promise.resolve(); // as a parse between batches
    for (let at = 0; at < size; at++) buf[at] = expectedByte(n, at);
    yield buf;
  }
}

const [count, size, mode] = process.argv.slice(2);
let opened = false;
/** As cli/bin.ts: a listener, so that a reader gone fails the writes instead of crashing. */
function stdout(): NodeJS.WriteStream {
  if (!opened) process.stdout.on('error', () => undefined);
  opened = true;
  return process.stdout;
}
if (mode === 'open-stdout') stdout();
let usedStream = false;
const store = fileStore({
  stdoutFd: 1,
  get stdout() {
    usedStream = true;
    return stdout();
  },
  stderr: new PassThrough(),
});
store.writeStream('', 'x.jsonl', lent(Number(count), Number(size)), 'application/x-ndjson').then(
  () => {
    if (usedStream) process.stderr.write('through process.stdout\n');
  },
  (err: unknown) => {
    process.stderr.write(`${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
