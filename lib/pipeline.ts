// The read path as composable stages: object bytes -> inflate -> lines -> records -> JSON Lines.
// Nothing here knows where the bytes come from or go to (S3, a file, a test).

import { createFscsmParser, type LineParser } from './formats/fscsm';
import { chooseFormat, type FormatChoice } from './formats/detect';
import type { Counts, ErrorRecord, Format, OutputRecord } from './records';
import { decode, InflateError, type Compression } from './stream/inflate';
import { splitLines, type Line } from './stream/lines';

export interface ParseOptions {
  format: FormatChoice;
  timeZone: string;
  maxLineBytes: number;
  maxDecompressedBytes: number;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = {
  format: 'auto',
  timeZone: 'UTC',
  maxLineBytes: 1024 * 1024,
  maxDecompressedBytes: 8 * 1024 ** 3,
};

export interface ParsedObject {
  format: Format;
  formatDetected: boolean;
  compression: Compression;
  /** Record batches in line order. Iterate once. */
  batches: AsyncIterable<OutputRecord[]>;
  /** Live counters; final once `batches` is exhausted. */
  counts: Counts;
  /** Set when the input ended early (damaged gzip, decompression limit). */
  readonly streamError: string | undefined;
}

export async function parseObject(source: AsyncIterable<Uint8Array>, options: ParseOptions): Promise<ParsedObject> {
  const decoded = await decode(source, { maxDecompressedBytes: options.maxDecompressedBytes });
  const { format, detected } = chooseFormat(options.format, decoded.head);
  const parser = parserFor(format, options);
  const counts: Counts = { totalLines: 0, blankLines: 0, parsed: 0, errors: 0, failedOperations: 0 };
  const state: { streamError: string | undefined } = { streamError: undefined };

  // A damaged gzip ends the byte stream cleanly here, so the splitter still flushes the
  // partial last line; the damage itself becomes one error record after it.
  async function* untilDamage(): AsyncGenerator<Buffer> {
    try {
      yield* decoded.chunks;
    } catch (err) {
      if (!(err instanceof InflateError)) throw err;
      state.streamError = err.message;
    }
  }

  async function* records(): AsyncGenerator<OutputRecord[]> {
    let lastLine = 0;
    for await (const lines of splitLines(untilDamage(), { maxLineBytes: options.maxLineBytes })) {
      const out: OutputRecord[] = [];
      for (const line of lines) {
        const rec = toRecord(line, parser, options.maxLineBytes);
        if (rec === undefined) {
          counts.blankLines += 1;
          continue;
        }
        if (rec.kind === 'entry') {
          counts.parsed += 1;
          if (rec.outcome === 'FAILED') counts.failedOperations += 1;
        } else {
          counts.errors += 1;
        }
        out.push(rec);
      }
      counts.totalLines += lines.length;
      lastLine = lines[lines.length - 1]?.no ?? lastLine;
      if (out.length > 0) yield out;
    }
    if (state.streamError !== undefined) {
      counts.totalLines += 1;
      counts.errors += 1;
      yield [{ line: lastLine + 1, kind: 'error', reason: state.streamError, raw: '' }];
    }
  }

  return {
    format,
    formatDetected: detected,
    compression: decoded.compression,
    batches: records(),
    counts,
    get streamError() {
      return state.streamError;
    },
  };
}

function parserFor(format: Format, options: ParseOptions): LineParser {
  switch (format) {
    case 'fscsm':
      return createFscsmParser({ timeZone: options.timeZone });
  }
}

/** One line to one record; undefined for a blank line (counted, not emitted). */
function toRecord(line: Line, parser: LineParser, maxLineBytes: number): OutputRecord | undefined {
  if (line.oversizedBytes !== undefined) {
    return {
      line: line.no,
      kind: 'error',
      reason: `line is ${line.oversizedBytes} bytes, longer than the limit of ${maxLineBytes} (MAX_LINE_BYTES)`,
      raw: line.text,
      rawTruncated: true,
    } satisfies ErrorRecord;
  }
  if (line.invalidUtf8) {
    return {
      line: line.no,
      kind: 'error',
      reason: 'line is not valid UTF-8',
      raw: line.text,
      rawBase64: line.invalidUtf8.toString('base64'),
    } satisfies ErrorRecord;
  }
  if (isBlank(line.text)) return undefined;
  return parser(line.no, line.text);
}

const WHITE_SPACE_START = /^\s/;

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  // Only a line that starts with white space can be blank: skip trim() on the common path.
  // (Any white space trim() removes, e.g. U+3000 or VT, not only a few ASCII ones.)
  return WHITE_SPACE_START.test(text) && text.trim() === '';
}

/** Serialises record batches as JSON Lines, one buffer per batch. */
export async function* toJsonLines(batches: AsyncIterable<OutputRecord[]>): AsyncGenerator<Buffer> {
  for await (const batch of batches) {
    let text = '';
    for (const rec of batch) text += JSON.stringify(rec) + '\n';
    yield Buffer.from(text, 'utf8');
  }
}
