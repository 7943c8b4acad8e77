// audit-ingest: the product's pipeline over local files.
//   audit-ingest parse [--format auto|fscsm|cadf] [--timezone TZ] [--encoding E] [--envelope-field F] [--gzip|--zstd] [--out DIR] FILE...
//   audit-ingest backfill ... (cli/backfill.ts, a bundle of its own: dist/backfill.cjs)
//   audit-ingest watch ...    (cli/watch.ts, likewise: dist/watch.cjs)

import { basename, dirname, resolve } from 'node:path';
import { ParseConfigSchema, loadConfig, parseOptionsFrom, outputOptionsFrom } from '../lib/config';
import { ingestWhole } from '../lib/ingest';
import { createLogger } from '../lib/log';
import { PARSE_FLAGS, parseEnv, readArgs, usageError } from './args';
import { BACKFILL_USAGE } from './backfill-usage';
import { WATCH_USAGE } from './watch-usage';
import { fileStore } from './file-store';
import type { CliIo } from './io';

const USAGE = `usage: audit-ingest parse [--format auto|fscsm|cadf] [--timezone TZ] [--encoding E] [--envelope-field F] [--gzip|--zstd] [--max-line-bytes N] [--out DIR] FILE...

Parses audit-log chunks (plain or gzip) into JSON Lines: FSCSM audit logs, and OpenStack CADF
audit events (keystonemiddleware, Keystone notifications) as JSON documents, arrays, JSON Lines
or fluentd lines, also as log shippers deliver them (fluentd, Fluent Bit, Vector; oslo.log
service logs with their notifications; mixed with other lines, which are counted, not records).
--format auto (the default) detects which from the first bytes, then line by line.
  without --out   records go to stdout, one summary per file to stderr
  --out DIR       writes DIR/<name>.jsonl and DIR/<name>.summary.json, as the function does
  --encoding E    the files' character encoding (utf-8, shift_jis, euc-jp, ...); output is UTF-8
  --envelope-field F   a shipper's JSON field holding the log line (besides log and message)
  --gzip          writes the records gzipped (<name>.jsonl.gz with --out)
  --zstd          writes them with zstd (<name>.jsonl.zst; Node >= 22.15): faster than --gzip
Options default to the environment (SOURCE_TIMEZONE, INPUT_FORMAT, SOURCE_ENCODING, ENVELOPE_FIELD, OUTPUT_COMPRESSION, MAX_LINE_BYTES).
Exit status: 0 when every file was read (bad lines are records, not failures),
1 when a file could not be read, 2 on a usage error, 141 when stdout's reader went away (| head).`;

/** 128 + SIGPIPE: what a shell reports for a writer whose reader went away (`yes | head`). */
const READER_GONE = 141;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n\n${BACKFILL_USAGE}\n\n${WATCH_USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  // Loaded on demand: only backfill needs the S3 client.
  if (command === 'backfill') return (await import('./backfill')).backfill(rest, io);
  if (command === 'watch') return (await import('./watch')).watchCommand(rest, io);
  if (command !== 'parse') return usageError(io, `unknown command "${command}"`, USAGE);
  const args = readArgs(rest, { ...PARSE_FLAGS, 'max-line-bytes': { type: 'string' }, out: { type: 'string' } }, USAGE, io);
  if (typeof args === 'number') return args;
  if (args.positionals.length === 0) return usageError(io, 'no input files', USAGE);

  let config;
  try {
    config = loadConfig(ParseConfigSchema, {
      ...parseEnv(io, args.values),
      ...(args.values['max-line-bytes'] !== undefined ? { MAX_LINE_BYTES: args.values['max-line-bytes'] } : {}),
    });
  } catch (err) {
    io.stderr.write(`audit-ingest: ${(err as Error).message}\n`);
    return 2;
  }

  const outDir = args.values.out === undefined ? undefined : resolve(args.values.out);
  const store = fileStore({
    ...(outDir !== undefined ? { outDir } : {}),
    ...(io.stdoutFd !== undefined ? { stdoutFd: io.stdoutFd } : {}),
    // Read late: opening process.stdout makes the fd non-blocking (cli/fd-writer.ts).
    get stdout() {
      return io.stdout;
    },
    stderr: io.stderr,
    stdoutTakesLentChunks: io.stdoutTakesLentChunks === true,
  });
  const log = createLogger({ tool: 'audit-ingest' }, { write: (line) => io.stderr.write(line + '\n'), level: 'warn' });
  let unreadable = 0;
  for (const file of args.positionals) {
    const path = resolve(file);
    try {
      await ingestWhole(
        { bucket: dirname(path), key: basename(path) },
        { store, log },
        { ...parseOptionsFrom(config), ...outputOptionsFrom(config), maxPayloadBytes: 256 * 1024 },
      );
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Nothing more can reach the reader; the files not yet parsed are not theirs to see.
      if ((code === 'EPIPE' || code === 'ECONNRESET') && outDir === undefined) return READER_GONE;
      unreadable += 1;
      io.stderr.write(`audit-ingest: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}\n`);
    }
  }
  return unreadable > 0 ? 1 : 0;
}
