// Stage 2 of the read path for JSON documents (bytes -> JSON value texts). Splits a byte
// stream into its top-level JSON values: concatenated or pretty-printed documents, and the
// elements of a top-level array one by one, so a 1 GB array never sits in memory whole.
// It only tracks strings, escapes and nesting depth; JSON.parse judges each value after.
//
// Memory is bounded by the chunk size plus `maxValueBytes`: a longer value keeps only its
// head while the scan goes on to its end, so the next value is still found.

import { isUtf8 } from 'node:buffer';

export type JsonValueItem =
  /** A complete value (or, for a bare token, everything up to its end; JSON.parse decides). */
  | { kind: 'value'; line: number; text: string; invalidUtf8?: Buffer }
  /** A value longer than maxValueBytes: only its head is kept. `complete` is false when the input ended inside it. */
  | { kind: 'oversized'; line: number; head: string; bytes: number; complete: boolean }
  /** The input ended inside this value (an unclosed object, array or string). */
  | { kind: 'incomplete'; line: number; text: string; invalidUtf8?: Buffer }
  /** The input ended inside a top-level array opened on `openedAt`; `line` is the last line. */
  | { kind: 'unclosed-array'; line: number; openedAt: number };

export interface JsonValueSplitOptions {
  /** Longest value kept, in bytes. Longer values become `oversized` items. */
  maxValueBytes: number;
  /** How much of an oversized value is kept as evidence (default 64 KiB, at most maxValueBytes). */
  headBytes?: number;
  /** Yield a top-level array's elements rather than the array (default true). */
  unwrapArrays?: boolean;
}

/** Filled in as the stream is read: the number of lines seen (as the line splitter counts them). */
export interface JsonValueProgress {
  lines: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const REPLACEMENT = '\uFFFD';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** What the value being read is: a container ({...} or [...]), a string, or a bare token (number, literal, garbage). */
const enum Shape {
  Container,
  String,
  Bare,
}

export async function* splitJsonValues(
  source: AsyncIterable<Uint8Array>,
  options: JsonValueSplitOptions,
  progress: JsonValueProgress = { lines: 0 },
): AsyncGenerator<JsonValueItem[]> {
  const max = options.maxValueBytes;
  const headCap = Math.min(options.headBytes ?? 64 * 1024, max);
  const unwrap = options.unwrapArrays ?? true;

  let line = 1; // line of the current position
  let lineHasBytes = false; // any byte after the last LF: the last line counts without its LF
  let inArray = false;
  let arrayLine = 0;

  // The value being read.
  let active = false;
  let shape = Shape.Bare;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let startLine = 0;
  let size = 0; // bytes of the value before the current chunk
  let pieces: Buffer[] = []; // copies of its bytes from earlier chunks (while size <= max)
  let head: Buffer | undefined; // set once the value is known to be oversized

  const reset = (): void => {
    active = false;
    depth = 0;
    inString = false;
    escaped = false;
    size = 0;
    pieces = [];
    head = undefined;
  };

  /** The value ends in `chunk` at `end` (exclusive); its part in this chunk starts at `from`. */
  const finish = (chunk: Buffer, from: number, end: number, complete: boolean, out: JsonValueItem[]): void => {
    const bytes = size + (end - from);
    if (head !== undefined || bytes > max) {
      const kept = head ?? Buffer.concat([...pieces, chunk.subarray(from, end)]).subarray(0, headCap);
      out.push({ kind: 'oversized', line: startLine, head: textOfHead(kept), bytes, complete });
    } else {
      const whole = pieces.length === 0 ? chunk.subarray(from, end) : Buffer.concat([...pieces, chunk.subarray(from, end)], bytes);
      let text = whole.toString('utf8');
      if (shape === Shape.Bare) text = text.trimEnd();
      // U+FFFD may legitimately be in the source; only a failed strict check proves bad bytes.
      const bad = text.includes(REPLACEMENT) && !isUtf8(whole) ? Buffer.from(whole) : undefined;
      const item: JsonValueItem = complete ? { kind: 'value', line: startLine, text } : { kind: 'incomplete', line: startLine, text };
      if (bad) item.invalidUtf8 = bad;
      out.push(item);
    }
    reset();
  };

  /** The value goes on past this chunk: keep its bytes (a copy: the source may reuse its buffer), or only its head. */
  const carry = (chunk: Buffer, from: number): void => {
    const part = chunk.subarray(from);
    if (head === undefined && size + part.length > max) {
      head = Buffer.from(Buffer.concat([...pieces, part.subarray(0, Math.max(0, headCap - size))]).subarray(0, headCap));
      pieces = [];
    } else if (head === undefined) {
      pieces.push(Buffer.from(part));
    }
    size += part.length;
  };

  for await (const input of withoutBom(source)) {
    const chunk = input;
    const out: JsonValueItem[] = [];
    let from = 0; // where the active value's bytes start in this chunk
    const n = chunk.length;
    let nextLf = -1; // the first LF at or after the last position it was looked up from
    for (let i = 0; i < n; i++) {
      const b = chunk[i] as number;
      if (active) {
        if (shape === Shape.Bare) {
          // A bare token runs to the end of its line or the next structure, so a garbage line is one item.
          if (b === LF || b === LBRACE || b === LBRACKET || (inArray && (b === COMMA || b === RBRACKET))) {
            finish(chunk, from, i, true, out);
            // fall through: the byte is looked at again between values
          } else {
            continue;
          }
        } else if (inString) {
          if (escaped) {
            escaped = false;
            if (b === LF) line += 1;
            continue;
          }
          // Jump to the closing quote: the next one after an even run of backslashes (a run
          // starting at i is whole: i is not escaped). Most of a CADF event is string bytes.
          let q = chunk.indexOf(QUOTE, i);
          while (q !== -1 && backslashesBefore(chunk, q, i) % 2 === 1) q = chunk.indexOf(QUOTE, q + 1);
          const end = q === -1 ? n : q;
          // A raw LF is not valid inside a JSON string, but it is still a line: keep the numbering right.
          if (nextLf < i) nextLf = indexOrEnd(chunk, LF, i);
          while (nextLf < end) {
            line += 1;
            nextLf = indexOrEnd(chunk, LF, nextLf + 1);
          }
          if (q === -1) {
            escaped = backslashesBefore(chunk, n, i) % 2 === 1;
            break;
          }
          i = q;
          inString = false;
          if (shape === Shape.String) finish(chunk, from, i + 1, true, out);
          continue;
        } else {
          if (b === QUOTE) inString = true;
          else if (b === LBRACE || b === LBRACKET) depth += 1;
          else if (b === RBRACE || b === RBRACKET) {
            depth -= 1;
            if (depth === 0) finish(chunk, from, i + 1, true, out);
          } else if (b === LF) line += 1;
          continue;
        }
      }

      // Between values.
      if (b === LF) {
        line += 1;
        continue;
      }
      if (b === SPACE || b === TAB || b === CR || b === COMMA) continue;
      if (inArray && b === RBRACKET) {
        inArray = false;
        continue;
      }
      if (!inArray && unwrap && b === LBRACKET) {
        inArray = true;
        arrayLine = line;
        continue;
      }
      active = true;
      startLine = line;
      from = i;
      if (b === LBRACE || b === LBRACKET) {
        shape = Shape.Container;
        depth = 1;
      } else if (b === QUOTE) {
        shape = Shape.String;
        inString = true;
      } else {
        shape = Shape.Bare;
      }
    }
    lineHasBytes = lastLineHasBytes(chunk, lineHasBytes);
    if (active) carry(chunk, from);
    progress.lines = lineHasBytes ? line : line - 1;
    if (out.length > 0) yield out;
  }

  const out: JsonValueItem[] = [];
  const lines = lineHasBytes ? line : line - 1;
  progress.lines = lines;
  if (active) finish(Buffer.alloc(0), 0, 0, shape === Shape.Bare, out);
  if (inArray) out.push({ kind: 'unclosed-array', line: Math.max(lines, 1), openedAt: arrayLine });
  if (out.length > 0) yield out;
}

/** How many backslashes directly precede `at`, not looking before `from`. */
function backslashesBefore(chunk: Buffer, at: number, from: number): number {
  let k = at - 1;
  while (k >= from && chunk[k] === BACKSLASH) k -= 1;
  return at - 1 - k;
}

function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 ? chunk.length : at;
}

/** Whether bytes follow the chunk's last LF (or, without an LF, whether the line already had some). */
function lastLineHasBytes(chunk: Buffer, before: boolean): boolean {
  const last = chunk.lastIndexOf(LF);
  if (last === -1) return before || chunk.length > 0;
  return last < chunk.length - 1;
}

/** Cuts an evidence head back to a character boundary, dropping a last character only if its bytes are incomplete. */
export function textOfHead(head: Buffer): string {
  let start = head.length - 1;
  while (start > 0 && start > head.length - 4 && ((head[start] as number) & 0xc0) === 0x80) start -= 1;
  const lead = head[start] ?? 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return head.subarray(0, start >= 0 && start + need > head.length ? start : head.length).toString('utf8');
}

/** A UTF-8 BOM at the start of the stream is an encoding marker, not content (it may arrive split over chunks). */
async function* withoutBom(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let first: Buffer | undefined = Buffer.alloc(0);
  for await (const input of source) {
    const chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (first === undefined) {
      yield chunk;
      continue;
    }
    first = Buffer.concat([first, chunk]);
    if (first.length < BOM.length && BOM.subarray(0, first.length).equals(first)) continue;
    const rest: Buffer = first.subarray(0, BOM.length).equals(BOM) ? first.subarray(BOM.length) : first;
    first = undefined;
    if (rest.length > 0) yield rest;
  }
  if (first !== undefined && first.length > 0) yield first;
}
