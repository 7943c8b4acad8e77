// The FSCSM fast path: a SUCCESS line in the manual's canonical layout, in printable ASCII,
// is written as its JSON record straight from its bytes: no string, no object per line.
// Profiled before (node --cpu-prof): decoding, field strings, record objects and their
// serialisation were three quarters of the parse time.
// Every other line is declined and takes the general parser (fscsm.ts): FAILED lines (notify
// needs them as records), other layouts, other characters, anything invalid. Both paths
// write byte-identical JSON; a property test compares them line by line.

import type { JsonLinesWriter } from '../json-lines';
import { ID_JSON_BYTES, type RecordIds } from '../record-id';
import { ACTIONS, RESOURCE_TYPES } from '../records';
import { daysInMonth, isUtcZone, wallTimeConverter } from '../timezone';
import { CANONICAL_TIME_DIGITS, CANONICAL_TIME_LENGTH } from './fscsm';

/** Writes the line src[start, end) (line ending excluded) as JSON and returns true, or returns false and writes nothing. */
export type ByteLineEncoder = (src: Buffer, start: number, end: number, no: number, out: JsonLinesWriter) => boolean;

const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const UNDERSCORE = 0x5f;
const D0 = 0x30;
const TIME_BYTES = CANONICAL_TIME_LENGTH;
const TIME_DIGITS = Uint8Array.from(CANONICAL_TIME_DIGITS);

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const HEAD = latin1('{"line":');
// Everything from the line number to the actor has a fixed length: one copy, then both
// times are written into their places (each TypedArray#set has a fixed cost: the profile
// showed the copies of constant pieces at 15% of the parse).
const TIME_HOLE = '0'.repeat(TIME_BYTES);
const TIMES = latin1(`,"kind":"entry","timestamp":"${TIME_HOLE}Z","localTime":"${TIME_HOLE}","actor":"`);
const TIMESTAMP_AT = TIMES.indexOf(TIME_HOLE);
const LOCAL_TIME_AT = TIMES.lastIndexOf(TIME_HOLE);
const OUTCOME_OPERATION = latin1('],"outcome":"SUCCESS","operation":"');
const PLATFORM_ID = latin1('","platformId":"');
const KEY_NAME = latin1('","keyName":"');
const SUCCESS = latin1('SUCCESS');

interface Word {
  name: Buffer;
  /** Its place in ACTIONS or RESOURCE_TYPES. */
  index: number;
}

const ACTION_WORDS: Word[] = ACTIONS.map((a, index) => ({ name: latin1(a), index }));
const TYPE_WORDS: Word[] = RESOURCE_TYPES.map((t, index) => ({ name: latin1(t), index }));
/** The JSON between the actor and the IDs, per action and type: one copy. */
const ACTION_TYPE: Buffer[][] = ACTIONS.map((a) => RESOURCE_TYPES.map((t) => latin1(`","action":"${a}","resourceType":"${t}","resourceIds":[`)));
const REQUEST = TYPE_WORDS.find((w) => w.name.toString() === 'request') as Word;
const DELETE = ACTION_WORDS.find((w) => w.name.toString() === 'delete') as Word;
const KEYPAIR = TYPE_WORDS.find((w) => w.name.toString() === 'keypair') as Word;

/** The canonical line's record without its closing brace: the caller ends it (`}` and LF, or more fields first). */
export function createFscsmByteEncoder(options: { timeZone: string; ids: RecordIds }): ByteLineEncoder {
  const body = createFscsmByteBody(options);
  return (src, start, end, no, out) => {
    if (!body(src, start, end, no, out)) return false;
    out.buf[out.pos++] = 0x7d; // }
    out.buf[out.pos++] = 0x0a; // LF
    return true;
  };
}

/** Writes a canonical SUCCESS line's record up to (not including) its closing brace, or declines. */
export function createFscsmByteBody(options: { timeZone: string; ids: RecordIds }): ByteLineEncoder {
  const ids = options.ids;
  const utc = isUtcZone(options.timeZone);
  const toEpoch = wallTimeConverter(options.timeZone);
  // Outside UTC: the UTC "yyyy-MM-ddTHH:mm" of each wall-clock minute, converted once.
  // Offsets that are not whole minutes (old local mean times) decline to the general path.
  const minutes = new Map<number, Buffer | null>();
  const utcMinute = (year: number, month: number, day: number, hour: number, minute: number): Buffer | null => {
    const key = ((((year * 13 + month) * 32 + day) * 24 + hour) * 60) + minute;
    let prefix = minutes.get(key);
    if (prefix === undefined) {
      const epoch = toEpoch({ year, month, day, hour, minute, second: 0, millisecond: 0 });
      const iso = new Date(epoch).toISOString();
      prefix = epoch % 60_000 === 0 && iso.length === 24 ? latin1(iso.slice(0, 16)) : null;
      if (minutes.size > 100_000) minutes.clear(); // bounded: a chunk spans hours or days
      minutes.set(key, prefix);
    }
    return prefix;
  };

  return (src, start, end, no, out) => {
    // Time: the canonical form only, read by character codes. Inline rather than through
    // fscsm.ts's string reader: a reader shared through a callback cost 10-20% of the parse
    // (measured A/B on the 100 MB chunk); the layout itself is stated once, there.
    // No closure or iterator here: before the JIT optimises this function, each one was an
    // allocation per line (a sixth of a 10 MB run's garbage, by a sampling heap profile).
    if (end - start < TIME_BYTES + 13) return false;
    for (let k = 0; k < TIME_DIGITS.length; k += 1) {
      const c = src[start + (TIME_DIGITS[k] as number)] as number;
      if (c < D0 || c > D0 + 9) return false;
    }
    if (src[start + 4] !== 0x2f || src[start + 7] !== 0x2f || src[start + 10] !== SPACE) return false;
    if (src[start + 13] !== COLON || src[start + 16] !== COLON || src[start + 19] !== 0x2e) return false;
    const year = two(src, start) * 100 + two(src, start + 2);
    const month = two(src, start + 5);
    const day = two(src, start + 8);
    const hour = two(src, start + 11);
    const minute = two(src, start + 14);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
    if (hour > 23 || minute > 59 || two(src, start + 17) > 59) return false;
    let prefix: Buffer | null = null;
    if (!utc) {
      prefix = utcMinute(year, month, day, hour, minute);
      if (prefix === null) return false;
    }

    // Actor and operation: one TAB each, JSON-safe printable ASCII, no blank at either edge.
    if (src[start + TIME_BYTES] !== TAB) return false;
    const actorStart = start + TIME_BYTES + 1;
    const actorEnd = fieldEnd(src, actorStart, end);
    if (actorEnd < 0) return false;
    const opStart = actorEnd + 1;
    const opEnd = fieldEnd(src, opStart, end);
    if (opEnd < 0) return false;
    // The outcome: exactly SUCCESS to the end of the line.
    if (end - opEnd - 1 !== SUCCESS.length || !same(src, opEnd + 1, SUCCESS)) return false;

    // Operation: "<action> <type>:<ID>", "<action> <type>: <ID>" or "delete: <ID>".
    let i = lowerWordEnd(src, opStart, opEnd);
    const action = findWord(ACTION_WORDS, src, opStart, i);
    if (action === undefined) return false;
    i = skipSpaces(src, i, opEnd);
    let type: Word | undefined;
    if (src[i] === COLON) {
      type = action === DELETE ? REQUEST : undefined;
    } else {
      const typeStart = i;
      i = lowerWordEnd(src, typeStart, opEnd);
      type = findWord(TYPE_WORDS, src, typeStart, i);
      i = skipSpaces(src, i, opEnd);
    }
    if (type === undefined || src[i] !== COLON) return false;
    const idStart = skipSpaces(src, i + 1, opEnd);
    if (idStart === opEnd) return false;
    let underscore = -1;
    if (type === REQUEST) {
      if (!hasId(src, idStart, opEnd)) return false;
    } else if (type === KEYPAIR) {
      // "[Platform ID]_[Key Pair Name]", split only when exactly one underscore makes it unambiguous.
      const first = indexIn(src, UNDERSCORE, idStart, opEnd);
      if (first > idStart && first < opEnd - 1 && indexIn(src, UNDERSCORE, first + 1, opEnd) === -1) underscore = first;
    }

    // Valid: write it. Nothing above wrote a byte.
    out.reserveLine(end - start + ID_JSON_BYTES);
    const b = out.buf;
    let p = putAll(b, out.pos, HEAD);
    p = putDecimal(b, p, no);
    const times = p;
    p = putAll(b, p, TIMES);
    putLocalTime(b, times + LOCAL_TIME_AT, src, start);
    if (prefix === null) {
      // In UTC the timestamp is the local time.
      putLocalTime(b, times + TIMESTAMP_AT, src, start);
    } else {
      putAll(b, times + TIMESTAMP_AT, prefix);
      put(b, times + TIMESTAMP_AT + 16, src, start + 16, start + TIME_BYTES); // ":ss.SSS"
    }
    p = put(b, p, src, actorStart, actorEnd);
    p = putAll(b, p, ACTION_TYPE[action.index]![type.index]!);
    if (type === REQUEST) {
      p = putIds(b, p, src, idStart, opEnd);
    } else {
      b[p++] = QUOTE;
      p = put(b, p, src, idStart, opEnd);
      b[p++] = QUOTE;
    }
    p = putAll(b, p, OUTCOME_OPERATION);
    p = put(b, p, src, opStart, opEnd);
    if (underscore !== -1) {
      p = putAll(b, p, PLATFORM_ID);
      p = put(b, p, src, idStart, underscore);
      p = putAll(b, p, KEY_NAME);
      p = put(b, p, src, underscore + 1, opEnd);
    }
    b[p++] = QUOTE;
    // The canonical line is the id's canonical content as it is (record-id.ts).
    p = ids.putFscsmLine(src, start, end, no, b, p);
    out.pos = p;
    return true;
  };
}

/** The two-digit number at src[at] (both already checked to be digits). */
function two(src: Buffer, at: number): number {
  return ((src[at] as number) - D0) * 10 + (src[at + 1] as number) - D0;
}

/** End of a field (its TAB), or -1 if it is empty, has a blank at an edge, or holds a byte that is not JSON-safe printable ASCII. */
function fieldEnd(src: Buffer, start: number, end: number): number {
  let i = start;
  for (; i < end; i += 1) {
    const c = src[i] as number;
    if (c === TAB) break;
    if (c < SPACE || c > 0x7e || c === QUOTE || c === BACKSLASH) return -1;
  }
  if (i === end || i === start || src[start] === SPACE || src[i - 1] === SPACE) return -1;
  return i;
}

function lowerWordEnd(src: Buffer, i: number, end: number): number {
  while (i < end && (src[i] as number) >= 0x61 && (src[i] as number) <= 0x7a) i += 1;
  return i;
}

function skipSpaces(src: Buffer, i: number, end: number): number {
  while (i < end && src[i] === SPACE) i += 1;
  return i;
}

function findWord(words: Word[], src: Buffer, start: number, end: number): Word | undefined {
  for (const w of words) if (w.name.length === end - start && same(src, start, w.name)) return w;
  return undefined;
}

function same(src: Buffer, at: number, word: Buffer): boolean {
  for (let k = 0; k < word.length; k += 1) if (word[k] !== src[at + k]) return false;
  return true;
}

/** indexOf bounded by the line: Buffer#indexOf would search on through the rest of the chunk. */
function indexIn(src: Buffer, byte: number, start: number, end: number): number {
  for (let i = start; i < end; i += 1) if (src[i] === byte) return i;
  return -1;
}

/** True when a comma-separated list holds at least one non-blank ID. */
function hasId(src: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) if (src[i] !== COMMA && src[i] !== SPACE) return true;
  return false;
}

/** "a, b,,c" as "a","b","c": the general parser's split, trim and drop of empty IDs. */
function putIds(b: Buffer, p: number, src: Buffer, start: number, end: number): number {
  let first = true;
  let s = start;
  while (s <= end) {
    let e = indexIn(src, COMMA, s, end);
    if (e === -1) e = end;
    const next = e + 1;
    while (s < e && src[s] === SPACE) s += 1;
    while (e > s && src[e - 1] === SPACE) e -= 1;
    if (e > s) {
      if (!first) b[p++] = COMMA;
      first = false;
      b[p++] = QUOTE;
      p = put(b, p, src, s, e);
      b[p++] = QUOTE;
    }
    s = next;
  }
  return p;
}

/** "yyyy/MM/dd HH:mm:ss.SSS" as "yyyy-MM-ddTHH:mm:ss.SSS". */
function putLocalTime(b: Buffer, p: number, src: Buffer, start: number): number {
  const q = put(b, p, src, start, start + TIME_BYTES);
  b[p + 4] = 0x2d;
  b[p + 7] = 0x2d;
  b[p + 10] = 0x54;
  return q;
}

/** Copies a whole constant piece: TypedArray#set is a builtin memcpy, without Buffer#copy's JavaScript wrapper. */
function putAll(b: Buffer, p: number, piece: Buffer): number {
  b.set(piece, p);
  return p + piece.length;
}

/** A line number in decimal, without a string per line. */
function putDecimal(b: Buffer, p: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits += 1;
  for (let i = p + digits - 1, x = n; i >= p; i -= 1, x = Math.floor(x / 10)) b[i] = D0 + (x % 10);
  return p + digits;
}

/**
 * Copies src[s, e) to b at p; returns the position after it. Fields are short: a loop beats
 * Buffer#copy's native call up to a few dozen bytes (profiled: _copyActual was 6% at 24).
 */
function put(b: Buffer, p: number, src: Buffer, s: number, e: number): number {
  if (e - s > 64) return p + src.copy(b, p, s, e);
  for (let i = s; i < e; i += 1) b[p++] = src[i] as number;
  return p;
}
