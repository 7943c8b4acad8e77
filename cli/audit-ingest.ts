// audit-ingest: the product's pipeline over local files.
//   audit-ingest parse [--format auto|fscsm|cadf] [--timezone TZ] [--out DIR] FILE...

import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ParseConfigSchema, loadConfig } from '../lib/config';
import { ingestWhole } from '../lib/ingest';
import { createLogger } from '../lib/log';
import { backfill, BACKFILL_USAGE } from './backfill';
import { fileStore } from './file-store';

const USAGE = `usage: audit-ingest parse [--format auto|fscsm|cadf] [--timezone TZ] [--max-line-bytes N] [--out DIR] FILE...

Parses audit-log chunks (plain or gzip) into JSON Lines: FSCSM audit logs, and OpenStack CADF
audit events (keystonemiddleware, Keystone notifications) as JSON documents, arrays, JSON Lines
or fluentd lines. --format auto (the default) detects which from the first bytes.
  without --out   records go to stdout, one summary per file to stderr
  --out DIR       writes DIR/<name>.jsonl and DIR/<name>.summary.json, as the function does
Options default to the environment (SOURCE_TIMEZONE, INPUT_FORMAT, MAX_LINE_BYTES).
Exit status: 0 when every file was read (bad lines are records, not failures),
1 when a file could not be read, 2 on a usage error.`;

export interface CliIo {
  stdout: NodeJS.WritableStream & import('node:stream').Writable;
  stderr: NodeJS.WritableStream & import('node:stream').Writable;
  env: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n\n${BACKFILL_USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'backfill') return backfill(rest, io);
  if (command !== 'parse') {
    io.stderr.write(`audit-ingest: unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
  let args;
  try {
    args = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        timezone: { type: 'string' },
        'max-line-bytes': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`audit-ingest: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.positionals.length === 0) {
    io.stderr.write(`audit-ingest: no input files\n${USAGE}\n`);
    return 2;
  }

  let config;
  try {
    config = loadConfig(ParseConfigSchema, {
      ...io.env,
      ...(args.values.format !== undefined ? { INPUT_FORMAT: args.values.format } : {}),
      ...(args.values.timezone !== undefined ? { SOURCE_TIMEZONE: args.values.timezone } : {}),
      ...(args.values['max-line-bytes'] !== undefined ? { MAX_LINE_BYTES: args.values['max-line-bytes'] } : {}),
    });
  } catch (err) {
    io.stderr.write(`audit-ingest: ${(err as Error).message}\n`);
    return 2;
  }

  const outDir = args.values.out === undefined ? undefined : resolve(args.values.out);
  const store = fileStore({ ...(outDir !== undefined ? { outDir } : {}), stdout: io.stdout, stderr: io.stderr });
  const log = createLogger({ tool: 'audit-ingest' }, { write: (line) => io.stderr.write(line + '\n'), level: 'warn' });
  let unreadable = 0;
  for (const file of args.positionals) {
    const path = resolve(file);
    try {
      await ingestWhole(
        { bucket: dirname(path), key: basename(path) },
        { store, log, sendFailures: () => Promise.resolve() },
        {
          format: config.INPUT_FORMAT,
          timeZone: config.SOURCE_TIMEZONE,
          maxLineBytes: config.MAX_LINE_BYTES,
          maxDecompressedBytes: config.MAX_DECOMPRESSED_BYTES,
          maxPayloadBytes: 256 * 1024,
        },
      );
    } catch (err) {
      unreadable += 1;
      const code = (err as { code?: string }).code;
      io.stderr.write(`audit-ingest: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}\n`);
    }
  }
  return unreadable > 0 ? 1 : 0;
}
