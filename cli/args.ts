// What every audit-ingest command does with its arguments: parse them, answer --help, turn
// a usage error into exit status 2 with the usage, and map the parser options onto the
// environment variables the configuration reads (so flags and env are validated alike).

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed arguments, or the exit status when there is nothing more to do. */
export function readArgs<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  io: CliIo,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>> | number {
  let args;
  try {
    args = parseArgs({ args: argv, options, allowPositionals: true });
  } catch (err) {
    io.stderr.write(`audit-ingest: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((args.values as { help?: boolean }).help) {
    io.stdout.write(usage + '\n');
    return 0;
  }
  return args;
}

/** Flags shared by the commands that parse chunks. */
export const PARSE_FLAGS = {
  format: { type: 'string' },
  timezone: { type: 'string' },
  encoding: { type: 'string' },
  'envelope-field': { type: 'string' },
  gzip: { type: 'boolean' },
  zstd: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parse flags as configuration variables, over the environment; throws on flags that exclude each other. */
export function parseEnv(
  io: CliIo,
  values: { format?: string; timezone?: string; encoding?: string; 'envelope-field'?: string; gzip?: boolean; zstd?: boolean },
): NodeJS.ProcessEnv {
  if (values.gzip && values.zstd) throw new Error('--gzip and --zstd exclude each other');
  return {
    ...io.env,
    ...(values.format !== undefined ? { INPUT_FORMAT: values.format } : {}),
    ...(values.timezone !== undefined ? { SOURCE_TIMEZONE: values.timezone } : {}),
    ...(values.encoding !== undefined ? { SOURCE_ENCODING: values.encoding } : {}),
    ...(values['envelope-field'] !== undefined ? { ENVELOPE_FIELD: values['envelope-field'] } : {}),
    ...(values.gzip ? { OUTPUT_COMPRESSION: 'gzip' } : {}),
    ...(values.zstd ? { OUTPUT_COMPRESSION: 'zstd' } : {}),
  };
}

/** Writes a usage error and returns its exit status. */
export function usageError(io: CliIo, message: string, usage: string): number {
  io.stderr.write(`audit-ingest: ${message}\n${usage}\n`);
  return 2;
}
