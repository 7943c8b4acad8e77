// Stage 2 of the read path (bytes -> lines). Splits a byte stream into numbered lines,
// one batch per input chunk so that later stages pay per chunk, not per line, for the
// async hand-off. Memory is bounded by the chunk size plus `maxLineBytes`: an overlong
// line is cut to its head and the rest is skipped up to the next newline.

import { isUtf8 } from 'node:buffer';

export interface Line {
  /** 1-based line number in the decompressed object. */
  no: number;
  /** Decoded text without the line ending (LF or CRLF). */
  text: string;
  /** Set when the bytes were not valid UTF-8 (text then holds U+FFFD replacements). */
  invalidUtf8?: Buffer;
  /** Set when the line was longer than maxLineBytes: `text` is only its head. */
  oversizedBytes?: number;
}

/**
 * Complete lines of one input chunk, not yet decoded: a consumer that reads bytes (the FSCSM
 * fast path) takes them from here, anything else decodes each with `decodeSpan`.
 * Only lines within maxLineBytes are ever in a region.
 */
export interface LineRegion {
  bytes: Buffer;
  /** Where the first line starts. A BOM on line 1 is still there (decodeSpan drops it from the text). */
  start: number;
  /** The LF that ends each line; each next line starts after it. A CR before it still belongs to the line ending. */
  ends: number[];
  /** Number of the region's first line. */
  firstNo: number;
}

export type LineItem = Line | LineRegion;

export function isRegion(item: LineItem): item is LineRegion {
  return 'ends' in item;
}

export interface SplitOptions {
  /** Longest line kept, in bytes (without line ending). Longer lines become error records. */
  maxLineBytes: number;
  /** How much of an overlong line is kept as evidence. */
  oversizedHeadBytes?: number;
  /** Lines already numbered before this stream (when resuming mid-object). */
  firstLineNo?: number;
  /** Updated before each batch is yielded: the input offset where the next line starts. */
  position?: { nextLineOffset: number };
}

const LF = 0x0a;
const CR = 13;
const REPLACEMENT = '\uFFFD';

/** Splits into numbered, decoded lines: one batch per input chunk. */
export async function* splitLines(source: AsyncIterable<Uint8Array>, options: SplitOptions): AsyncGenerator<Line[]> {
  for await (const items of splitLineItems(source, options)) {
    yield items.flatMap((item) => (isRegion(item) ? decodeRegion(item) : [item]));
  }
}

/**
 * Splits into lines, handing the complete lines of each chunk as one undecoded LineRegion
 * (no string or object per line) and the rest (lines across chunks, overlong lines) as Lines.
 */
export async function* splitLineItems(source: AsyncIterable<Uint8Array>, options: SplitOptions): AsyncGenerator<LineItem[]> {
  const max = options.maxLineBytes;
  const headBytes = Math.min(options.oversizedHeadBytes ?? 4096, max);
  let lineNo = options.firstLineNo ?? 0;
  // Offset in the input of the current chunk's first byte.
  let base = 0;
  // Bytes of the unfinished line carried over from previous chunks (at most `max` + 1 bytes).
  let carry: Buffer[] = [];
  let carryLen = 0;
  // While skipping an overlong line: its kept head, its full length so far and its last byte
  // (a CR there belongs to a CRLF ending when the LF comes in the next chunk).
  let skipping: { head: Buffer; length: number; last: number | undefined } | undefined;

  const lineFromBytes = (bytes: Buffer, out: LineItem[]): void => {
    lineNo += 1;
    const end = withoutCr(bytes, 0, bytes.length);
    if (end > max) {
      out.push(oversized(lineNo, bytes.subarray(0, headBytes), end));
      return;
    }
    out.push(decodeSpan(lineNo, bytes, 0, end));
  };

  for await (const input of source) {
    const chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const out: LineItem[] = [];
    let start = 0;
    let nl = chunk.indexOf(LF);

    // Finish the line that began in an earlier chunk.
    if ((carryLen > 0 || skipping) && nl !== -1) {
      const tail = chunk.subarray(0, nl);
      if (skipping) {
        lineNo += 1;
        let length = skipping.length + tail.length;
        if ((tail.length > 0 ? tail[tail.length - 1] : skipping.last) === CR) length -= 1;
        out.push(oversized(lineNo, skipping.head, length));
        skipping = undefined;
      } else {
        carry.push(tail);
        lineFromBytes(Buffer.concat(carry, carryLen + tail.length), out);
      }
      carry = [];
      carryLen = 0;
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }

    // Complete lines inside this chunk: runs of lines within the bound go as regions, each
    // overlong line alone (so a chunk of any size keeps the byte path for its normal lines).
    let ends: number[] = [];
    let regionStart = start;
    const endRegion = (): void => {
      if (ends.length === 0) return;
      out.push({ bytes: chunk, start: regionStart, ends, firstNo: lineNo + 1 });
      lineNo += ends.length;
      ends = [];
    };
    for (; nl !== -1; nl = chunk.indexOf(LF, start)) {
      if (withoutCr(chunk, start, nl) - start > max) {
        endRegion();
        lineFromBytes(chunk.subarray(start, nl), out);
        regionStart = nl + 1;
      } else {
        ends.push(nl);
      }
      start = nl + 1;
    }
    endRegion();

    if (options.position && start > 0) options.position.nextLineOffset = base + start;
    base += chunk.length;

    // Keep the unfinished rest, or switch to skipping once it exceeds the bound.
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (skipping) {
        skipping.length += rest.length;
        skipping.last = rest[rest.length - 1];
      } else if (carryLen + rest.length > max + 1) {
        // +1 leaves room for a CR that belongs to the line ending.
        const joined = Buffer.concat([...carry, rest.subarray(0, Math.max(0, headBytes - carryLen))]);
        skipping = {
          head: Buffer.from(joined.subarray(0, headBytes)),
          length: carryLen + rest.length,
          last: rest[rest.length - 1],
        };
        carry = [];
        carryLen = 0;
      } else {
        // Copy: the source may reuse its buffer after we yield.
        carry.push(Buffer.from(rest));
        carryLen += rest.length;
      }
    }
    if (out.length > 0) yield out;
  }

  // A last line without a trailing newline is still a line.
  const out: LineItem[] = [];
  if (skipping) {
    lineNo += 1;
    out.push(oversized(lineNo, skipping.head, skipping.last === CR ? skipping.length - 1 : skipping.length));
  } else if (carryLen > 0) {
    lineFromBytes(Buffer.concat(carry, carryLen), out);
  }
  if (out.length > 0) yield out;
}

/** A UTF-8 BOM at the start of the object is an encoding marker, not content (its bytes stay in evidence). */
function withoutBom(no: number, text: string): string {
  return no === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Lines [from, to) of a region, as a region of their own. */
export function sliceRegion(region: LineRegion, from: number, to: number): LineRegion {
  const { ends } = region;
  return {
    bytes: region.bytes,
    start: from === 0 ? region.start : (ends[from - 1] as number) + 1,
    ends: ends.slice(from, to),
    firstNo: region.firstNo + from,
  };
}

/** Decodes every line of a region (for consumers that do not read bytes, and lines the byte path declined). */
export function decodeRegion(region: LineRegion): Line[] {
  const out: Line[] = [];
  const { bytes, ends } = region;
  const text = bytes.toString('utf8', region.start, ends[ends.length - 1]);
  if (text.includes(REPLACEMENT)) {
    // Rare: decode line by line so each bad line keeps its exact bytes as evidence.
    let s = region.start;
    for (let i = 0; i < ends.length; i += 1) {
      out.push(decodeSpan(region.firstNo + i, bytes, s, withoutCr(bytes, s, ends[i]!)));
      s = ends[i]! + 1;
    }
    return out;
  }
  // One decode for the whole region, then a split: cheaper than a decode per line.
  let no = region.firstNo;
  for (const raw of text.split('\n')) {
    const t = raw.length > 0 && raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw;
    out.push({ no, text: withoutBom(no, t) });
    no += 1;
  }
  return out;
}

/** Where the line in bytes[start, end) ends once a CR of a CRLF ending is taken off. */
export function withoutCr(bytes: Buffer, start: number, end: number): number {
  return end > start && bytes[end - 1] === CR ? end - 1 : end;
}

/** Decodes the line in bytes[start, end) (its line ending already excluded). */
export function decodeSpan(no: number, bytes: Buffer, start: number, end: number): Line {
  const text = withoutBom(no, bytes.toString('utf8', start, end));
  // U+FFFD may legitimately be in the source; only a failed strict check proves bad bytes.
  if (text.includes(REPLACEMENT) && !isUtf8(bytes.subarray(start, end))) {
    return { no, text, invalidUtf8: Buffer.from(bytes.subarray(start, end)) };
  }
  return { no, text };
}

function oversized(no: number, head: Buffer, length: number): Line {
  // Cut the head back to a character boundary so the evidence text is not garbled at its end:
  // drop a last character only if its sequence is incomplete.
  let start = head.length - 1;
  while (start > 0 && start > head.length - 4 && ((head[start] as number) & 0xc0) === 0x80) start -= 1;
  const lead = head[start] ?? 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  const text = head.subarray(0, start >= 0 && start + need > head.length ? start : head.length).toString('utf8');
  return { no, text: withoutBom(no, text), oversizedBytes: length };
}

