// OpenStack audit events in CADF (DMTF Cloud Auditing Data Federation), as written by
// keystonemiddleware's audit middleware and by Keystone's own notifications. Accepted:
//   - a bare CADF event: {"typeURI": "http://schemas.dmtf.org/cloud/audit/1.0/event", "eventTime": ..., ...}
//   - an oslo.messaging notification: {"event_type": ..., "payload": <CADF event>, "publisher_id": ..., ...}
//   - the same on the wire: {"oslo.version": "2.0", "oslo.message": "<the notification as a JSON string>"}
// One event becomes one entry; anything else becomes an error record with its evidence.

import type { CadfEntryRecord, Draft, EntryRecord, ErrorRecord, Outcome } from '../records';
import { daysInMonth } from '../timezone';
import type { LineParser } from './fscsm';

export const CADF_EVENT_TYPE_URI = 'http://schemas.dmtf.org/cloud/audit/1.0/event';

/** Error evidence is capped: a CADF event may be large, its error record need not be. */
export const RAW_CAP_BYTES = 64 * 1024;

/** fluentd's file output: `<time>\t<tag>\t<JSON record>` (time as ISO-8601 or epoch seconds). */
export const FLUENTD_PREFIX =
  /^(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)? ?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?|\d{9,}(?:\.\d+)?)\t[^\t\r\n{}[\]"]+\t(?=[{[])/;

const OUTCOME_MAP: Readonly<Record<string, Outcome>> = {
  success: 'SUCCESS',
  failure: 'FAILED',
  pending: 'PENDING',
  unknown: 'UNKNOWN',
};

// "2016-11-11T18:31:11.156356+0000", "...+00:00", "...Z", "..." (UTC), also a space for the T.
const TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?[\t ]*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Parses one JSON Lines / fluentd line: strips a fluentd `time\ttag\t` prefix, then reads the JSON. */
export function createCadfLineParser(): LineParser {
  return (no, text) => {
    const prefix = FLUENTD_PREFIX.exec(text);
    const json = prefix ? text.slice(prefix[0].length) : text;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      return cadfError(no, `invalid JSON: ${(err as Error).message}`, text);
    }
    return cadfRecord(no, value, text);
  };
}

/** One parsed JSON value (an event, a notification or an oslo.message wrapper) to one record. */
export function cadfRecord(no: number, value: unknown, raw: string): Draft<CadfEntryRecord | ErrorRecord> {
  const unwrapped = unwrap(value);
  if (typeof unwrapped === 'string') return cadfError(no, unwrapped, raw);
  const { event, eventType } = unwrapped;
  const fail = (reason: string) => cadfError(no, reason, raw);

  if (event.typeURI !== undefined && event.typeURI !== CADF_EVENT_TYPE_URI) {
    return fail(`not a CADF event: typeURI is ${describe(event.typeURI)}, expected ${CADF_EVENT_TYPE_URI}`);
  }
  if (event.eventTime === undefined) return fail('not a CADF event: no eventTime');
  if (typeof event.eventTime !== 'string') return fail(`invalid eventTime ${describe(event.eventTime)}`);
  const time = parseCadfTime(event.eventTime);
  if (typeof time === 'string') return fail(time);

  const outcome = typeof event.outcome === 'string' ? OUTCOME_MAP[event.outcome.toLowerCase()] : undefined;
  if (outcome === undefined) {
    return fail(`unknown outcome ${describe(event.outcome)} (expected success, failure, pending or unknown)`);
  }
  const action = event.action;
  if (typeof action !== 'string' || action === '') return fail(`missing action (got ${describe(action)})`);

  const initiator = event.initiator;
  if (!isObject(initiator)) return fail('missing initiator');
  const actor = nonEmpty(initiator.name) ?? nonEmpty(initiator.id);
  if (actor === undefined) return fail('initiator has neither a name nor an id');

  const target = event.target;
  if (!isObject(target)) return fail('missing target');
  const resourceType = nonEmpty(target.typeURI);
  if (resourceType === undefined) return fail('target has no typeURI');
  const targetId = nonEmpty(target.id);
  if (targetId === undefined) return fail('target has no id');

  const record: Draft<CadfEntryRecord> = {
    line: no,
    kind: 'entry',
    format: 'cadf',
    timestamp: time.timestamp,
    localTime: time.localTime,
    actor,
    action,
    resourceType,
    resourceIds: [targetId],
    outcome,
    operation: `${action} ${resourceType}`,
  };
  const eventId = nonEmpty(event.id);
  if (eventId !== undefined) record.eventId = eventId;
  if (eventType !== undefined) record.eventType = eventType;
  const reason = reasonOf(event.reason);
  if (reason !== undefined) record.reason = reason;
  if (typeof event.requestPath === 'string') record.requestPath = event.requestPath;
  const project = nonEmpty(initiator.project_id);
  if (project !== undefined) record.project = project;
  return record;
}

/** Finds the CADF event in a value: itself, a notification's payload, or inside an oslo.message string. */
function unwrap(value: unknown): { event: JsonObject; eventType: string | undefined } | string {
  let v = value;
  if (isObject(v) && typeof v['oslo.message'] === 'string') {
    try {
      v = JSON.parse(v['oslo.message']) as unknown;
    } catch (err) {
      return `oslo.message is not valid JSON: ${(err as Error).message}`;
    }
  }
  if (!isObject(v)) return `event is not a JSON object (got ${kindOf(v)})`;
  // A notification carries the event in `payload`; a CADF event has no `payload` of its own.
  if (v.payload !== undefined && (v.event_type !== undefined || v.publisher_id !== undefined)) {
    if (!isObject(v.payload)) return `notification payload is not a JSON object (got ${kindOf(v.payload)})`;
    return { event: v.payload, eventType: nonEmpty(v.event_type) };
  }
  return { event: v, eventType: undefined };
}

function reasonOf(reason: Json | undefined): EntryRecord['reason'] {
  if (typeof reason === 'string') return reason === '' ? undefined : reason;
  if (!isObject(reason)) return undefined;
  const code = reason.reasonCode;
  const out: { code?: string; type?: string } = {};
  if ((typeof code === 'string' && code !== '') || (typeof code === 'number' && Number.isFinite(code))) out.code = String(code);
  const type = nonEmpty(reason.reasonType);
  if (type !== undefined) out.type = type;
  return out.code === undefined && out.type === undefined ? undefined : out;
}

/** eventTime to { timestamp (UTC, ms, Z), localTime (as written, ms) }, or why it cannot be read. */
export function parseCadfTime(text: string): { timestamp: string; localTime: string } | string {
  const t = TIME.exec(text.trim());
  if (!t) return `invalid eventTime ${JSON.stringify(text)} (expected ISO-8601, e.g. 2016-11-11T18:31:11.156356+0000)`;
  const year = Number(t[1]);
  const month = Number(t[2]);
  const day = Number(t[3]);
  const hour = Number(t[4]);
  const minute = Number(t[5]);
  const second = Number(t[6]);
  const ms = Number((t[7] ?? '0').slice(0, 3).padEnd(3, '0'));
  const bad = (what: string) => `invalid eventTime ${JSON.stringify(text)}: ${what}`;
  if (month < 1 || month > 12) return bad(`month ${month}`);
  if (day < 1 || day > daysInMonth(year, month)) return bad(`day ${day}`);
  if (hour > 23 || minute > 59 || second > 59) return bad(`time of day ${t[4]}:${t[5]}:${t[6]}`);
  let offsetMinutes = 0;
  if (t[9] !== undefined) {
    const oh = Number(t[10]);
    const om = Number(t[11] ?? '0');
    if (oh > 23 || om > 59) return bad(`offset ${t[9]}${t[10]}:${t[11] ?? '00'}`);
    offsetMinutes = (t[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, ms);
  const timestamp = new Date(local.getTime() - offsetMinutes * 60_000).toISOString();
  // Years past 9999 or before 0000 in UTC have no yyyy-MM-dd form (the contract's timestamp).
  if (timestamp.length !== 24) return `eventTime ${JSON.stringify(text)} is out of range once converted to UTC`;
  const localTime = `${t[1]}-${t[2]}-${t[3]}T${t[4]}:${t[5]}:${t[6]}.${String(ms).padStart(3, '0')}`;
  return { timestamp, localTime };
}

/** An error record whose raw text is capped at RAW_CAP_BYTES (UTF-8), marked rawTruncated when cut. */
export function cadfError(no: number, reason: string, raw: string): Draft<ErrorRecord> {
  const capped = capRaw(raw);
  return capped === raw ? { line: no, kind: 'error', reason, raw } : { line: no, kind: 'error', reason, raw: capped, rawTruncated: true };
}

/** The head of `text` that fits in `maxBytes` of UTF-8, cut on a character boundary. */
export function capRaw(text: string, maxBytes = RAW_CAP_BYTES): string {
  // Cheap exits: UTF-8 takes at least one byte and at most three per UTF-16 unit.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end -= 1; // back to a character start
  return bytes.subarray(0, end).toString('utf8');
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'none';
  const s = JSON.stringify(v);
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}
