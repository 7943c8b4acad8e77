// The byte path through a shipper's JSON record: a flat record such as Fluent Bit's
// `{"date":…,"log":"<FSCSM line>"}` or Vector's `{"file","host","message","source_type",
// "timestamp"}` around a canonical FSCSM SUCCESS line goes from bytes to JSON like the raw
// line does (fscsm-bytes.ts): the line's JSON string is unescaped into a scratch buffer, the
// FSCSM encoder writes the record, and the shipper's fields are copied as their JSON tokens.
// Without it an enveloped line cost a JSON.parse, strings and a record object each.
// Anything else declines to the shipper stage (shipped.ts), which gives byte-identical output
// (a property test compares both): other keys, nested values, escapes that JSON.stringify
// writes differently (`\/`, `\u…`), non-canonical or FAILED lines.

import type { JsonLinesWriter } from '../json-lines';
import { DECLINED, type ByteLineEncoder } from './fscsm-bytes';
import type { Contents } from '../records';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The keys a flat envelope may have, and what the shipper stage takes from each. */
const TIME_KEYS = ['date', 'timestamp', '@timestamp', 'time'];
const HOST_KEYS = ['host', 'hostname'];
const FILE_KEYS = ['file', 'path', 'filename'];
const IGNORED_KEYS = ['source_type', 'stream'];

export function createEnvelopeByteEncoder(options: {
  body: ByteLineEncoder;
  envelopeField?: string | undefined;
  contents: Contents;
  /** Tells the shipper stage an audit line was read (it tracks raw service-log continuation lines). */
  onAudit: () => void;
}): ByteLineEncoder {
  const field = options.envelopeField;
  const textKeys = [...(field !== undefined ? [field] : []), 'log', 'message'];
  // Keys by index; a line's values are found by index, not by a string per key (the profile
  // showed key strings and token objects at a fifth of an enveloped parse).
  const keys = [...new Set([...textKeys, ...TIME_KEYS, ...HOST_KEYS, ...FILE_KEYS, ...IGNORED_KEYS])];
  const keyBytes = keys.map((k) => Buffer.from(k, 'latin1'));
  const index = (names: string[]) => names.map((k) => keys.indexOf(k));
  const textIdx = index(textKeys);
  const timeIdx = index(TIME_KEYS);
  const hostIdx = index(HOST_KEYS);
  const fileIdx = index(FILE_KEYS);
  const labels = textKeys.map((k) => `json:${k}`);
  const found: Found = { start: new Int32Array(keys.length), end: new Int32Array(keys.length), string: new Uint8Array(keys.length) };
  let scratch = Buffer.allocUnsafe(4096);

  // The first key present, as the shipper stage's `a ?? b ?? c` takes it.
  const first = (idx: number[]): number => {
    for (const i of idx) if (found.start[i] !== -1) return i;
    return -1;
  };

  return (src, start, end, no, out) => {
    if (src[start] !== 0x7b || src[start + 1] !== QUOTE) return DECLINED;
    found.start.fill(-1);
    if (!scanFlat(src, start, end, keyBytes, found)) return DECLINED;
    // The shipper stage's order: ENVELOPE_FIELD, then log, then message (string values only).
    let t = -1;
    let label = '';
    for (let k = 0; k < textIdx.length; k += 1) {
      const i = textIdx[k] as number;
      if (found.start[i] !== -1 && found.string[i] === 1) {
        t = i;
        label = labels[k] as string;
        break;
      }
    }
    if (t === -1) return DECLINED;
    const s = found.start[t] as number;
    const e = found.end[t] as number;
    if (e - s > scratch.length) scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, e - s));
    const length = unescape(src, s + 1, e - 1, scratch);
    if (length < 0) return DECLINED;
    // Vector keeps a CRLF file's CR in `message`.
    const innerEnd = length > 0 && scratch[length - 1] === 0x0d ? length - 1 : length;
    // Checked before the body is written: the body also counts the line for its id.
    const time = first(timeIdx);
    if (time !== -1 && found.string[time] === 0 && !plainNumber(src, found.start[time] as number, found.end[time] as number)) return DECLINED;
    // Empty (or non-string) host and file are left out by the shipper stage.
    const host = keep(found, first(hostIdx));
    const file = keep(found, first(fileIdx));
    for (const i of [time, host, file]) if (i !== -1 && found.string[i] === 1 && !stringifyIdentical(src, found.start[i] as number, found.end[i] as number)) return DECLINED;
    const wrote = options.body(scratch, 0, innerEnd, no, out);
    if (wrote === DECLINED) return DECLINED;
    putShipper(src, out, found, time, host, file);
    options.onAudit();
    options.contents.envelopes[label] = (options.contents.envelopes[label] ?? 0) + 1;
    options.contents.formats['fscsm'] = (options.contents.formats['fscsm'] ?? 0) + 1;
    return wrote;
  };
}

/** Where each known key's value token is in the line (start -1: absent), and whether it is a string. */
interface Found {
  start: Int32Array;
  end: Int32Array;
  string: Uint8Array;
}

function keep(found: Found, i: number): number {
  return i !== -1 && found.string[i] === 1 && (found.end[i] as number) - (found.start[i] as number) > 2 ? i : -1;
}

const SHIPPER = Buffer.from(',"shipper":{', 'latin1');
const NAMES = [Buffer.from('"time":', 'latin1'), Buffer.from('"host":', 'latin1'), Buffer.from('"file":', 'latin1')];

/** Ends the record: `,"shipper":{…}}` and LF (just `}` and LF without shipper fields). */
function putShipper(src: Buffer, out: JsonLinesWriter, found: Found, time: number, host: number, file: number): void {
  let bytes = SHIPPER.length + 4;
  for (const i of [time, host, file]) if (i !== -1) bytes += (found.end[i] as number) - (found.start[i] as number) + 8;
  out.reserve(bytes);
  const b = out.buf;
  let p = out.pos;
  if (time !== -1 || host !== -1 || file !== -1) {
    p = copy(b, p, SHIPPER, 0, SHIPPER.length);
    let comma = false;
    [time, host, file].forEach((i, n) => {
      if (i === -1) return;
      if (comma) b[p++] = 0x2c;
      comma = true;
      p = copy(b, p, NAMES[n] as Buffer, 0, (NAMES[n] as Buffer).length);
      p = copy(b, p, src, found.start[i] as number, found.end[i] as number);
    });
    b[p++] = 0x7d;
  }
  b[p++] = 0x7d;
  b[p++] = 0x0a;
  out.pos = p;
}

function copy(b: Buffer, p: number, src: Buffer, s: number, e: number): number {
  if (e - s > 64) return p + src.copy(b, p, s, e);
  for (let i = s; i < e; i += 1) b[p++] = src[i] as number;
  return p;
}

/** The index of the key src[s, e) among `keys`, or -1. */
function keyIndex(src: Buffer, s: number, e: number, keys: Buffer[]): number {
  next: for (let k = 0; k < keys.length; k += 1) {
    const key = keys[k] as Buffer;
    if (key.length !== e - s) continue;
    for (let j = 0; j < key.length; j += 1) if (key[j] !== src[s + j]) continue next;
    return k;
  }
  return -1;
}

/**
 * Reads a one-level JSON object of string and number values into `found`. False for
 * anything else: a nested value, a literal, an escape in a key, a key not in `keys`, a
 * repeated key, bytes after the object.
 */
function scanFlat(src: Buffer, start: number, end: number, keys: Buffer[], found: Found): boolean {
  let i = start + 1;
  for (;;) {
    i = skipWs(src, i, end);
    if (src[i] !== QUOTE) return false;
    const keyStart = i + 1;
    let k = keyStart;
    while (k < end && src[k] !== QUOTE) {
      if (src[k] === BACKSLASH) return false;
      k += 1;
    }
    if (k >= end) return false;
    const key = keyIndex(src, keyStart, k, keys);
    if (key === -1 || found.start[key] !== -1) return false;
    i = skipWs(src, k + 1, end);
    if (src[i] !== 0x3a) return false;
    i = skipWs(src, i + 1, end);
    const vStart = i;
    if (src[i] === QUOTE) {
      i += 1;
      while (i < end && src[i] !== QUOTE) i += src[i] === BACKSLASH ? 2 : 1;
      if (i >= end) return false;
      i += 1;
      found.string[key] = 1;
    } else {
      while (i < end && isNumberByte(src[i] as number)) i += 1;
      if (i === vStart) return false;
      found.string[key] = 0;
    }
    found.start[key] = vStart;
    found.end[key] = i;
    i = skipWs(src, i, end);
    if (src[i] === 0x2c) {
      i += 1;
      continue;
    }
    if (src[i] !== 0x7d) return false;
    return skipWs(src, i + 1, end) === end;
  }
}

/**
 * Unescapes a JSON string body src[s, e) into `to`: the length, -1 to decline (an escape
 * the FSCSM byte path cannot take: `\n`, `\u…`, or a byte that is not printable ASCII or TAB).
 * `to` holds at least e - s bytes.
 */
function unescape(src: Buffer, s: number, e: number, to: Buffer): number {
  let p = 0;
  for (let i = s; i < e; i += 1) {
    let c = src[i] as number;
    if (c === BACKSLASH) {
      i += 1;
      const x = src[i];
      if (x === 0x74) c = 0x09; // \t
      else if (x === 0x72) c = 0x0d; // \r
      else if (x === QUOTE || x === BACKSLASH || x === 0x2f) c = x;
      else return -1;
    } else if (c > 0x7e) return -1;
    to[p++] = c;
  }
  return p;
}

/** True when a JSON string token reads back through JSON.parse and JSON.stringify unchanged. */
function stringifyIdentical(src: Buffer, s: number, e: number): boolean {
  for (let i = s + 1; i < e - 1; i += 1) {
    if (src[i] !== BACKSLASH) continue;
    const x = src[i + 1];
    // JSON.stringify writes these escapes itself; `\/` and `\u…` it writes otherwise.
    if (x !== QUOTE && x !== BACKSLASH && x !== 0x74 && x !== 0x6e && x !== 0x72 && x !== 0x62 && x !== 0x66) return false;
    i += 1;
  }
  return true;
}

/** A number JSON.stringify writes back as it is: an integer or decimal without trailing zeros, at most 15 digits. */
function plainNumber(src: Buffer, s: number, e: number): boolean {
  return /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/.test(src.toString('latin1', s, e)) && e - s <= 16;
}

function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

function skipWs(src: Buffer, i: number, end: number): number {
  while (i < end && (src[i] === 0x20 || src[i] === 0x09)) i += 1;
  return i;
}
