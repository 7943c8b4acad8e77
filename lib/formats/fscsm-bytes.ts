// The FSCSM fast path: a SUCCESS or FAILED line in printable ASCII is written as its JSON
// record straight from its bytes: no string, no object per line. Profiled before (node
// --cpu-prof): decoding, field strings, record objects and their serialisation were three
// quarters of the parse time, and a FAILED line on the general path cost ten times a
// SUCCESS line on this one (issue 21). Notify's objects for FAILED lines are built later,
// from this JSON, and only when someone asks for them (lib/pipeline.ts).
// The manual's other layouts (12-hour time, space-separated copies, runs of TABs, a lower-case
// outcome) are first rewritten as the canonical line, which is also what their id hashes.
// Every other line is declined and takes the general parser (fscsm.ts): other characters,
// anything ambiguous or invalid. Both paths write byte-identical JSON; property tests compare
// them line by line.

import type { JsonLinesWriter } from '../json-lines';
import { ID_JSON_BYTES, type RecordIds } from '../record-id';
import { ACTIONS, RESOURCE_TYPES } from '../records';
import { daysInMonth, isUtcZone, wallTimeConverter } from '../timezone';
import { CANONICAL_TIME_DIGITS, CANONICAL_TIME_LENGTH } from './fscsm';

/** What a byte encoder did with a line: declined it (wrote nothing), or wrote an entry with this outcome. */
export const DECLINED = 0;
export const WROTE_SUCCESS = 1;
export const WROTE_FAILED = 2;
export type ByteOutcome = typeof DECLINED | typeof WROTE_SUCCESS | typeof WROTE_FAILED;

/** Writes the line src[start, end) (line ending excluded) as JSON, or declines and writes nothing. */
export type ByteLineEncoder = (src: Buffer, start: number, end: number, no: number, out: JsonLinesWriter) => ByteOutcome;

const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const UNDERSCORE = 0x5f;
const SLASH = 0x2f;
const DOT = 0x2e;
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
const SUCCESS_OPERATION = latin1('],"outcome":"SUCCESS","operation":"');
const FAILED_OPERATION = latin1('],"outcome":"FAILED","operation":"');
const PLATFORM_ID = latin1('","platformId":"');
const KEY_NAME = latin1('","keyName":"');
const SUCCESS = latin1('SUCCESS');
const FAILED = latin1('FAILED');

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
    const wrote = body(src, start, end, no, out);
    if (wrote === DECLINED) return DECLINED;
    out.buf[out.pos++] = 0x7d; // }
    out.buf[out.pos++] = 0x0a; // LF
    return wrote;
  };
}

/** Writes an FSCSM line's record up to (not including) its closing brace, or declines. */
export function createFscsmByteBody(options: { timeZone: string; ids: RecordIds }): ByteLineEncoder {
  const canonical = createCanonicalBody(options);
  let scratch = Buffer.allocUnsafe(1024);
  return (src, start, end, no, out) => {
    const wrote = canonical(src, start, end, no, out);
    // Only a line that starts like the manual's time can be one of its other layouts.
    if (wrote !== DECLINED || end - start < 20 || (src[start] as number) < D0 || (src[start] as number) > D0 + 9) return wrote;
    // The canonical line is at most 6 bytes longer (a time without seconds' fraction gains ".000", hours a digit).
    if (scratch.length < end - start + 16) scratch = Buffer.allocUnsafe(2 * (end - start + 16));
    const length = canonicalise(src, start, end, scratch);
    return length < 0 ? DECLINED : canonical(scratch, 0, length, no, out);
  };
}

/** The canonical layout only: `yyyy/MM/dd HH:mm:ss.SSS<TAB>actor<TAB>operation<TAB>SUCCESS|FAILED`. */
function createCanonicalBody(options: { timeZone: string; ids: RecordIds }): ByteLineEncoder {
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
    if (end - start < TIME_BYTES + 13) return DECLINED;
    for (let k = 0; k < TIME_DIGITS.length; k += 1) {
      const c = src[start + (TIME_DIGITS[k] as number)] as number;
      if (c < D0 || c > D0 + 9) return DECLINED;
    }
    if (src[start + 4] !== SLASH || src[start + 7] !== SLASH || src[start + 10] !== SPACE) return DECLINED;
    if (src[start + 13] !== COLON || src[start + 16] !== COLON || src[start + 19] !== DOT) return DECLINED;
    const year = two(src, start) * 100 + two(src, start + 2);
    const month = two(src, start + 5);
    const day = two(src, start + 8);
    const hour = two(src, start + 11);
    const minute = two(src, start + 14);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return DECLINED;
    if (hour > 23 || minute > 59 || two(src, start + 17) > 59) return DECLINED;
    let prefix: Buffer | null = null;
    if (!utc) {
      prefix = utcMinute(year, month, day, hour, minute);
      if (prefix === null) return DECLINED;
    }

    // Actor and operation: one TAB each, JSON-safe printable ASCII, no blank at either edge.
    if (src[start + TIME_BYTES] !== TAB) return DECLINED;
    const actorStart = start + TIME_BYTES + 1;
    const actorEnd = fieldEnd(src, actorStart, end);
    if (actorEnd < 0) return DECLINED;
    const opStart = actorEnd + 1;
    const opEnd = fieldEnd(src, opStart, end);
    if (opEnd < 0) return DECLINED;
    // The outcome: exactly SUCCESS or FAILED to the end of the line.
    const outcomeLength = end - opEnd - 1;
    const failed = outcomeLength === FAILED.length && same(src, opEnd + 1, FAILED);
    if (!failed && (outcomeLength !== SUCCESS.length || !same(src, opEnd + 1, SUCCESS))) return DECLINED;

    // Operation: "<action> <type>:<ID>", "<action> <type>: <ID>" or "delete: <ID>".
    let i = lowerWordEnd(src, opStart, opEnd);
    const action = findWord(ACTION_WORDS, src, opStart, i);
    if (action === undefined) return DECLINED;
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
    if (type === undefined || src[i] !== COLON) return DECLINED;
    const idStart = skipSpaces(src, i + 1, opEnd);
    if (idStart === opEnd) return DECLINED;
    let underscore = -1;
    if (type === REQUEST) {
      if (!hasId(src, idStart, opEnd)) return DECLINED;
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
    p = putAll(b, p, failed ? FAILED_OPERATION : SUCCESS_OPERATION);
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
    return failed ? WROTE_FAILED : WROTE_SUCCESS;
  };
}

/**
 * One of the manual's other layouts, rewritten as its canonical line into `to`: the length,
 * or -1 to decline. It takes what fscsm.ts's splitFields and TIME take, read the same way:
 * a 12-hour time (`h:mm:ss PM.SSS`, `h:mm:ss.SSS PM`), one-digit month, day or hour, a
 * missing or short fraction of a second, runs of TABs and blanks at a field's edges, fields
 * separated by single spaces instead (the actor one token, the outcome the last), and the
 * outcome in any case. Whatever could be read two ways (the regex would backtrack) declines.
 */
function canonicalise(src: Buffer, start: number, end: number, to: Buffer): number {
  // One pass: printable ASCII and TABs only; anything else is the general parser's.
  let tabs = false;
  for (let i = start; i < end; i += 1) {
    const c = src[i] as number;
    if (c === TAB) tabs = true;
    else if (c < SPACE || c > 0x7e) return -1;
  }
  // The time: yyyy/M/d, blanks, H:mm:ss, then optionally .S to .SSS and AM/PM.
  let i = start;
  if (digitsAt(src, i, end, 4) !== 4 || src[i + 4] !== SLASH) return -1;
  const year = value;
  i += 5;
  let n = digitsAt(src, i, end, 2);
  if (n === 0 || src[i + n] !== SLASH) return -1;
  const month = value;
  i += n + 1;
  n = digitsAt(src, i, end, 2);
  if (n === 0 || src[i + n] !== SPACE) return -1;
  const day = value;
  i = skipSpaces(src, i + n, end);
  n = digitsAt(src, i, end, 2);
  if (n === 0 || src[i + n] !== COLON) return -1;
  let hour = value;
  i += n + 1;
  if (digitsAt(src, i, end, 2) !== 2 || src[i + 2] !== COLON) return -1;
  const minute = value;
  i += 3;
  if (digitsAt(src, i, end, 2) !== 2 || isDigit(src[i + 2])) return -1;
  const second = value;
  i += 2;
  let msAt = -1;
  let msDigits = 0;
  if (src[i] === DOT) {
    msDigits = digitsAt(src, i + 1, end, 3);
    if (msDigits === 0 || isDigit(src[i + 1 + msDigits])) return -1;
    msAt = i + 1;
    i += 1 + msDigits;
  }
  const m = skipSpaces(src, i, end);
  const letter = (src[m] as number) | 0x20;
  if (m + 1 < end && (letter === 0x61 || letter === 0x70) && ((src[m + 1] as number) | 0x20) === 0x6d) {
    let k = m + 2;
    if (src[k] === DOT) {
      if (msAt !== -1) return -1; // two fractions: leave it to the general parser
      msDigits = digitsAt(src, k + 1, end, 3);
      if (msDigits === 0 || isDigit(src[k + 1 + msDigits])) return -1;
      msAt = k + 1;
      k += 1 + msDigits;
    }
    // AM/PM must end there, or the regex could read it as (part of) the actor instead.
    if (k < end && src[k] !== SPACE && src[k] !== TAB) return -1;
    if (hour < 1 || hour > 12) return -1;
    hour = (hour % 12) + (letter === 0x70 ? 12 : 0);
    i = k;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return -1;

  // The fields after the time: [actor, operation, outcome] as start/end pairs.
  const f = FIELDS;
  if (tabs) {
    // TAB-separated: runs of TABs between fields, blanks trimmed, at most one empty part at the end.
    i = skipSpaces(src, i, end);
    if (src[i] !== TAB) return -1;
    for (let k = 0; k < 3; k += 1) {
      i = skipTabs(src, i, end);
      let e = indexIn(src, TAB, i, end);
      if (e === -1) e = end;
      const s = skipSpaces(src, i, e);
      let t = e;
      while (t > s && src[t - 1] === SPACE) t -= 1;
      if (t === s || (k < 2 && e === end)) return -1;
      f[2 * k] = s;
      f[2 * k + 1] = t;
      i = e;
    }
    if (skipSpaces(src, skipTabs(src, i, end), end) !== end) return -1;
  } else {
    // Space-separated: the actor is the first token, the outcome the last, the operation between.
    if (src[i] !== SPACE) return -1;
    const actorStart = skipSpaces(src, i, end);
    let actorEnd = actorStart;
    while (actorEnd < end && src[actorEnd] !== SPACE) actorEnd += 1;
    let last = end;
    while (last > actorEnd && src[last - 1] === SPACE) last -= 1;
    let outcomeStart = last;
    while (outcomeStart > actorEnd && src[outcomeStart - 1] !== SPACE) outcomeStart -= 1;
    let opEnd = outcomeStart;
    while (opEnd > actorEnd && src[opEnd - 1] === SPACE) opEnd -= 1;
    const opStart = skipSpaces(src, actorEnd, opEnd);
    if (actorEnd === actorStart || outcomeStart === last || opEnd <= actorEnd || opStart === opEnd) return -1;
    f[0] = actorStart;
    f[1] = actorEnd;
    f[2] = opStart;
    f[3] = opEnd;
    f[4] = outcomeStart;
    f[5] = last;
  }
  const outcome = sameFolded(src, f[4] as number, f[5] as number, SUCCESS) ? SUCCESS : sameFolded(src, f[4] as number, f[5] as number, FAILED) ? FAILED : undefined;
  if (outcome === undefined) return -1;

  // yyyy/MM/dd HH:mm:ss.SSS, the fraction padded on the right as fscsm.ts pads it.
  let p = put(to, 0, src, start, start + 4);
  to[p++] = SLASH;
  p = putTwo(to, p, month);
  to[p++] = SLASH;
  p = putTwo(to, p, day);
  to[p++] = SPACE;
  p = putTwo(to, p, hour);
  to[p++] = COLON;
  p = putTwo(to, p, minute);
  to[p++] = COLON;
  p = putTwo(to, p, second);
  to[p++] = DOT;
  if (msAt !== -1) p = put(to, p, src, msAt, msAt + msDigits);
  for (let k = msAt === -1 ? 0 : msDigits; k < 3; k += 1) to[p++] = D0;
  for (let k = 0; k < 3; k += 1) {
    to[p++] = TAB;
    p = put(to, p, src, f[2 * k] as number, f[2 * k + 1] as number);
  }
  // put() wrote the outcome as it is: write it in capitals over it.
  to.set(outcome, p - outcome.length);
  return p;
}

/** [actor start, actor end, operation start, operation end, outcome start, outcome end]: one array, not one per line. */
const FIELDS = new Int32Array(6);
/** The number digitsAt read (a module variable: no object per call on this path either). */
let value = 0;

/** Reads up to `max` digits at src[i]; returns how many (0 if none) and leaves the number in `value`. */
function digitsAt(src: Buffer, i: number, end: number, max: number): number {
  let k = 0;
  value = 0;
  for (; k < max && i + k < end; k += 1) {
    const c = src[i + k] as number;
    if (c < D0 || c > D0 + 9) break;
    value = value * 10 + c - D0;
  }
  return k;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= D0 && c <= D0 + 9;
}

function skipTabs(src: Buffer, i: number, end: number): number {
  while (i < end && src[i] === TAB) i += 1;
  return i;
}

/** src[s, e) is `word` in any case. */
function sameFolded(src: Buffer, s: number, e: number, word: Buffer): boolean {
  if (e - s !== word.length) return false;
  for (let k = 0; k < word.length; k += 1) if (((src[s + k] as number) | 0x20) !== ((word[k] as number) | 0x20)) return false;
  return true;
}

function putTwo(b: Buffer, p: number, n: number): number {
  b[p] = D0 + Math.floor(n / 10);
  b[p + 1] = D0 + (n % 10);
  return p + 2;
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
