// Child process for test/cli/fd-writer.test.ts: writes `count` chunks of `size` bytes to fd 1
// through the CLI's file store, from two buffers that take turns as lib/json-lines.ts lends
// them. Run with `node --import tsx`; `open-stdout` first opens process.stdout, which makes
// fd 1 non-blocking (the fallback path).
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
if (mode === 'open-stdout') process.stdout.on('error', () => undefined);
const store = fileStore({
  stdoutFd: 1,
  get stdout() {
    return process.stdout;
  },
  stderr: new PassThrough(),
});
store.writeStream('', 'x.jsonl', lent(Number(count), Number(size)), 'application/x-ndjson').then(
  () => undefined,
  (err: unknown) => {
    process.stderr.write(`${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
