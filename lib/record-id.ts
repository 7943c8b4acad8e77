// Stable record ids: the same event gets the same id in every object it is read from (a
// growing file synced again, a rolled-over generation, a shipper's re-send, a backfill), so
// consumers and notify can tell repeats from new events. An id is 32 hex digits of
// MurmurHash3_x86_128 over what the event is, never over where it was read:
//   - FSCSM: the line in the manual's canonical layout, `yyyy/MM/dd HH:mm:ss.SSS<TAB>actor
//     <TAB>operation<TAB>OUTCOME` (for a canonical line: its bytes, CR excluded), so CRLF and
//     LF copies, TAB and space copies, 12- and 24-hour copies of a line agree.
//   - CADF: "cadf", the event's id and its outcome (keystonemiddleware's request and response
//     share one event id and differ by outcome); without an id, its time, actor, operation.
//   - error records: "error" and the line's evidence.
// Identical lines (same millisecond, actor, operation and outcome) are distinct events: the
// seed is the line's occurrence among identical lines before it in its block of
// ID_WINDOW_LINES lines (by line number) and the block before (0 for the first), so the second
// copy gets another id however often the chunk is read, and a run continued mid-chunk
// (lib/pipeline.ts replays the lines of those two blocks) numbers them as one run would.

import { hex128, murmur3x86128, putHex128 } from './hash/murmur3';
import type { Draft, ErrorRecord, OutputRecord } from './records';

/**
 * Lines over which identical copies are told apart. Bounded so memory is; beyond it an
 * identical line (same millisecond, actor and operation) is taken for a re-sent copy.
 */
export const ID_WINDOW_LINES = 8192;

/** The first line whose id state a run resumed after `line` needs: the start of the block before the next line's. */
export function idReplayStart(line: number): number {
  const block = Math.floor((line + 1) / ID_WINDOW_LINES);
  return Math.max(1, (block - 1) * ID_WINDOW_LINES);
}

/** Bytes written for an id in JSON: `,"id":"` + 32 hex digits + `"`. */
export const ID_JSON_BYTES = 7 + 32 + 1;
const ID_KEY = Buffer.from(',"id":"', 'latin1');

export class RecordIds {
  private readonly h = new Uint32Array(4);
  private scratch = Buffer.allocUnsafe(1024);
  // The digests of the current block of lines and of the one before: a digest seen in either counts.
  private current = new SeenTable();
  private previous = new SeenTable();
  private block = 0;
  /** The first line of the next block: one compare a line instead of a division. */
  private blockEnd = ID_WINDOW_LINES;

  /** Hashes src[start, end) of line `no`, seeded with its occurrence when counted; leaves the digest in `this.h`. */
  private digest(src: Uint8Array, start: number, end: number, no: number, counted: boolean): void {
    murmur3x86128(src, start, end, 0, this.h);
    if (!counted) return;
    // A new block (or a table full of one line's values: a CADF array on one line) moves the window.
    if (no >= this.blockEnd || this.current.size >= ID_WINDOW_LINES) {
      const block = Math.floor(no / ID_WINDOW_LINES);
      const next = this.previous.clear();
      // Past the next block, the current one is not the one before any more.
      if (block > this.block + 1) this.current.clear();
      this.previous = this.current;
      this.current = next;
      this.block = block;
      this.blockEnd = (block + 1) * ID_WINDOW_LINES;
    }
    const h0 = (this.h[0] as number) | 0;
    const h1 = (this.h[1] as number) | 0;
    let occurrence: number;
    const slot = this.current.find(h0, h1);
    if (slot >= 0) {
      occurrence = this.current.bump(slot);
    } else {
      // The copies in the block before, by their own count only: a count carried on from
      // block to block would make an id depend on lines further back than a resumed run replays.
      const old = this.previous.find(h0, h1);
      occurrence = old >= 0 ? this.previous.own(old) : 0;
      this.current.add(h0, h1, occurrence);
    }
    if (occurrence > 0) murmur3x86128(src, start, end, occurrence, this.h);
  }

  /** The byte path: a canonical FSCSM line src[start, end); writes `,"id":"…"` at b[p] and returns the end. */
  putFscsmLine(src: Uint8Array, start: number, end: number, no: number, b: Buffer, p: number): number {
    this.digest(src, start, end, no, true);
    // Seven bytes by hand: TypedArray#set's fixed cost is more than the copy (as in fscsm-bytes.ts).
    for (let k = 0; k < ID_KEY.length; k += 1) b[p++] = ID_KEY[k] as number;
    p = putHex128(b, p, this.h);
    b[p] = 0x22;
    return p + 1;
  }

  /** The id of a text (UTF-8) of line `no`, counted among identical ones or not. */
  private ofText(text: string, no: number, counted: boolean): string {
    if (this.scratch.length < text.length * 3) this.scratch = Buffer.allocUnsafe(text.length * 3);
    const n = this.scratch.write(text, 0, 'utf8');
    this.digest(this.scratch, 0, n, no, counted);
    return hex128(this.h);
  }

  /** Gives a record built by a parser its id (the same object, completed). */
  assign(draft: Draft): OutputRecord {
    const rec = draft as OutputRecord;
    if (rec.kind === 'error') {
      rec.id = this.ofText(errorContent(rec), rec.line, true);
    } else if (rec.format === 'cadf') {
      // An event without an id (not pycadf's): its content, counted like a line.
      rec.id =
        rec.eventId !== undefined
          ? this.ofText(`cadf\n${rec.eventId}\n${rec.outcome}`, rec.line, false)
          : this.ofText(`cadf\n\n${rec.timestamp}\t${rec.actor}\t${rec.operation}\t${rec.outcome}`, rec.line, true);
    } else {
      rec.id = this.ofText(`${canonicalTime(rec.localTime)}\t${rec.actor}\t${rec.operation}\t${rec.outcome}`, rec.line, true);
    }
    return rec;
  }
}

function errorContent(rec: ErrorRecord): string {
  return `error\n${rec.rawBase64 ?? rec.raw}`;
}

/** "yyyy-MM-ddTHH:mm:ss.SSS" as the manual writes it, "yyyy/MM/dd HH:mm:ss.SSS". */
function canonicalTime(localTime: string): string {
  return `${localTime.slice(0, 4)}/${localTime.slice(5, 7)}/${localTime.slice(8, 10)} ${localTime.slice(11)}`;
}

/** Slots for ID_WINDOW_LINES digests at most half full (open addressing, linear probing). */
const SEEN_SLOTS = 2 * ID_WINDOW_LINES;
const SEEN_MASK = SEEN_SLOTS - 1;

/**
 * How often each digest (its first 64 bits) was seen. Typed arrays, not a Map: a Map keyed
 * by 53-bit numbers (heap numbers) cost 0.3 s of a 1.4 M-line parse (node --cpu-prof).
 */
class SeenTable {
  private readonly k0 = new Int32Array(SEEN_SLOTS);
  private readonly k1 = new Int32Array(SEEN_SLOTS);
  /** Times seen in this block; 0 marks a free slot. */
  private readonly n = new Int32Array(SEEN_SLOTS);
  /** Copies in the block before, seen when the digest first came in this one. */
  private readonly before = new Int32Array(SEEN_SLOTS);
  size = 0;

  /** The digest's slot, or -1. */
  find(h0: number, h1: number): number {
    let i = h0 & SEEN_MASK;
    while (this.n[i] !== 0) {
      if (this.k0[i] === h0 && this.k1[i] === h1) return i;
      i = (i + 1) & SEEN_MASK;
    }
    return -1;
  }

  /** Times seen in this block alone. */
  own(slot: number): number {
    return this.n[slot] as number;
  }

  /** Counts one more sighting; returns the copies before it, in this block and the one before (its occurrence). */
  bump(slot: number): number {
    const own = this.n[slot] as number;
    this.n[slot] = own + 1;
    return own + (this.before[slot] as number);
  }

  /** A digest first seen in this block, with `before` copies in the block before. */
  add(h0: number, h1: number, before: number): void {
    let i = h0 & SEEN_MASK;
    while (this.n[i] !== 0) i = (i + 1) & SEEN_MASK;
    this.k0[i] = h0;
    this.k1[i] = h1;
    this.n[i] = 1;
    this.before[i] = before;
    this.size += 1;
  }

  clear(): this {
    this.n.fill(0);
    this.size = 0;
    return this;
  }
}
