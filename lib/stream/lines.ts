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

export async function* splitLines(
  source: AsyncIterable<Uint8Array>,
  options: SplitOptions,
): AsyncGenerator<Line[]> {
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

  const lineFromBytes = (bytes: Buffer, out: Line[]): void => {
    lineNo += 1;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end -= 1;
    if (end > max) {
      out.push(oversized(lineNo, bytes.subarray(0, headBytes), end));
      return;
    }
    out.push(decodeLine(lineNo, bytes.subarray(0, end)));
  };

  for await (const input of source) {
    const chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const out: Line[] = [];
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

    // Complete lines inside this chunk.
    if (nl !== -1) {
      const lastNl = chunk.lastIndexOf(LF);
      if (lastNl - start <= max) {
        // Fast path: no line here can be overlong, so decode the region once and split the string.
        lineNo = decodeRegion(chunk, start, lastNl, lineNo, out);
      } else {
        while (nl !== -1) {
          lineFromBytes(chunk.subarray(start, nl), out);
          start = nl + 1;
          nl = chunk.indexOf(LF, start);
        }
      }
      start = lastNl + 1;
    }

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
    if (out.length > 0) yield stripBom(out);
  }

  // A last line without a trailing newline is still a line.
  const out: Line[] = [];
  if (skipping) {
    lineNo += 1;
    out.push(oversized(lineNo, skipping.head, skipping.last === CR ? skipping.length - 1 : skipping.length));
  } else if (carryLen > 0) {
    lineFromBytes(Buffer.concat(carry, carryLen), out);
  }
  if (out.length > 0) yield stripBom(out);
}

/** A UTF-8 BOM at the start of the object is an encoding marker, not content. */
function stripBom(batch: Line[]): Line[] {
  const head = batch[0];
  if (head?.no === 1 && head.text.charCodeAt(0) === 0xfeff) head.text = head.text.slice(1);
  return batch;
}

/** Decodes the complete lines in chunk[start, end) into `out`; returns the last line number. */
function decodeRegion(chunk: Buffer, start: number, end: number, lineNo: number, out: Line[]): number {
  const text = chunk.toString('utf8', start, end);
  if (text.includes(REPLACEMENT)) {
    // Rare: re-walk by bytes so each bad line keeps its exact bytes as evidence.
    let s = start;
    while (s <= end) {
      let nl = chunk.indexOf(LF, s);
      if (nl === -1 || nl > end) nl = end;
      let e = nl;
      if (e > s && chunk[e - 1] === CR) e -= 1;
      out.push(decodeLine(++lineNo, chunk.subarray(s, e)));
      s = nl + 1;
    }
    return lineNo;
  }
  const parts = text.split('\n');
  for (const raw of parts) {
    const t = raw.length > 0 && raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw;
    out.push({ no: ++lineNo, text: t });
  }
  return lineNo;
}

function decodeLine(no: number, bytes: Buffer): Line {
  const text = bytes.toString('utf8');
  // U+FFFD may legitimately be in the source; only a failed strict check proves bad bytes.
  if (text.includes(REPLACEMENT) && !isUtf8(bytes)) {
    return { no, text, invalidUtf8: Buffer.from(bytes) };
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
  return { no, text, oversizedBytes: length };
}

