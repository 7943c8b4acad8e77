// Audit logs as shippers deliver them: a read stage between "lines" and "records" that takes
// off a shipper's envelope and hands the inner text to the format parsers, line by line, so a
// chunk may mix envelopes, formats and a service's ordinary log lines.
//   envelopes: fluentd out_file `time<TAB>tag<TAB>{record}`; JSON records with the line in
//     `log` (Fluent Bit), `message` (fluentd in_tail, Vector) or ENVELOPE_FIELD; records whose
//     fields already are the CADF event or notification (parsed by the shipper).
//   inner: FSCSM lines; CADF events and notifications (JSON); oslo.log lines carrying an
//     `oslo.messaging.notification.<event_type>` notification (oslo.messaging's log driver).
// A service's other lines (oslo.log lines of other loggers, tracebacks, access logs shipped
// from the same files) are "other": counted, no record, no alert. What is clearly an audit
// line but damaged (cut notification JSON, an FSCSM line truncated by a shipper) is an error
// record, as everywhere. The layouts and the sources they follow: test/fixtures/README.md.

import type { Contents, Draft, Shipper } from '../records';
import { cadfError, cadfRecord, FLUENTD_PREFIX } from './cadf';
import { createFscsmParser } from './fscsm';

/** What a line became: a record (entry or error), or a line that is counted only. */
export type LineOutcome = Draft | 'blank' | 'other';
export type LineReader = (no: number, text: string) => LineOutcome;

export type { Contents };

export interface ShippedOptions {
  timeZone: string;
  /** A JSON record field holding the log line, tried before `log` and `message`. */
  envelopeField?: string | undefined;
}

export const FSCSM_START = /^\d{4}\/\d{1,2}\/\d{1,2}[\t ]+\d{1,2}:\d{2}/;
const NOTIFICATION_TOKEN = 'oslo.messaging.notification.';
// oslo.log's default layouts (`logging_context_format_string`, `logging_default_format_string`,
// `logging_exception_prefix` in oslo_log/_options.py): `<date> <time>.<ms> <pid> <LEVEL> <logger> ...`.
const OSLO_LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d+ [A-Z]+ \S/;
// Markers of an audit event in JSON text that did not parse: such a line is damaged, not "other".
const AUDIT_JSON_MARKER = /eventTime|cloud\\*\/audit\\*\/1\.0\\*\/event|"event_type"|oslo\.message/;

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A notification whose payload is no CADF event (Keystone's `basic` format, Nova's
 * versioned notifications): a notification, not an audit event.
 */
function isPlainNotification(v: unknown): boolean {
  return isObject(v) && v.event_type !== undefined && isObject(v.payload) && v.payload.eventTime === undefined && v.payload.typeURI === undefined;
}

/** A record whose own fields are a CADF event, a notification or an oslo.messaging wrapper. */
function isCadfLike(o: JsonObject): boolean {
  return (
    o.eventTime !== undefined ||
    o.typeURI !== undefined ||
    typeof o['oslo.message'] === 'string' ||
    (o.payload !== undefined && (o.event_type !== undefined || o.publisher_id !== undefined))
  );
}

export function createShippedReader(options: ShippedOptions, contents: Contents): {
  line: LineReader;
  value: (no: number, value: unknown, raw: string) => LineOutcome;
  /** An FSCSM line was read on the byte path (it ends a raw service log's continuation lines). */
  audit: () => void;
} {
  const fscsm = createFscsmParser({ timeZone: options.timeZone });
  const field = options.envelopeField;
  // A raw (unwrapped) service log: after one of its lines, a line that is none of ours is a
  // continuation of the previous message (a traceback, a multi-line message).
  let inServiceLog = false;

  const tally = (envelope: string, format: string): void => {
    contents.envelopes[envelope] = (contents.envelopes[envelope] ?? 0) + 1;
    contents.formats[format] = (contents.formats[format] ?? 0) + 1;
  };
  const stamp = (draft: Draft, shipper: Shipper | undefined): Draft => {
    if (shipper !== undefined) draft.shipper = shipper;
    return draft;
  };

  /** The text a shipper carried (or a raw line): which format it is, then its record. */
  function text(no: number, raw: string, envelope: string, shipper: Shipper | undefined, depth: number): LineOutcome {
    // Vector keeps a CRLF file's CR in `message`; Fluent Bit keeps it on a blank line.
    const t = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (t.trim() === '') {
      tally(envelope, 'blank');
      return 'blank';
    }
    if (FSCSM_START.test(t)) {
      inServiceLog = false;
      tally(envelope, 'fscsm');
      return stamp(fscsm(no, t), shipper);
    }
    const wrapped = envelope !== 'none';
    const start = t.trimStart();
    if ((start.startsWith('{') || start.startsWith('[')) && depth < 2) {
      let value: unknown;
      try {
        value = JSON.parse(start);
      } catch (err) {
        if (!AUDIT_JSON_MARKER.test(start)) return other(envelope, 'json');
        tally(envelope, 'cadf');
        return stamp(cadfError(no, `invalid JSON: ${(err as Error).message}`, raw), shipper);
      }
      return record(no, value, raw, envelope, shipper, depth + 1);
    }
    const token = t.indexOf(NOTIFICATION_TOKEN);
    if (token !== -1) return notification(no, t, token, envelope, shipper);
    if (OSLO_LINE.test(t)) {
      if (!wrapped) inServiceLog = true;
      return other(envelope, 'oslo.log');
    }
    if (wrapped || inServiceLog) return other(envelope, wrapped ? 'text' : 'oslo.log');
    tally(envelope, 'unrecognised');
    return stamp(
      {
        line: no,
        kind: 'error',
        reason: 'unrecognised line: not FSCSM, CADF, an oslo.log line or a log shipper record',
        raw,
      },
      shipper,
    );
  }

  function other(envelope: string, format: string): 'other' {
    tally(envelope, format);
    return 'other';
  }

  /** An oslo.log line of the `log` notification driver: `... oslo.messaging.notification.<type> [ctx] {json}`. */
  function notification(no: number, t: string, token: number, envelope: string, shipper: Shipper | undefined): LineOutcome {
    inServiceLog = envelope === 'none';
    const brace = t.indexOf('{', token);
    let value: unknown;
    let damage: string | undefined;
    if (brace === -1) damage = 'oslo.messaging notification line without its JSON';
    else {
      try {
        value = JSON.parse(t.slice(brace));
      } catch (err) {
        damage = `oslo.messaging notification with unreadable JSON (cut?): ${(err as Error).message}`;
      }
    }
    if (isPlainNotification(value)) return other(envelope, 'notification (not CADF)');
    tally(envelope, 'cadf (oslo.log)');
    return stamp(damage !== undefined ? cadfError(no, damage, t) : cadfRecord(no, value, t), shipper);
  }

  /**
   * A JSON value: an envelope around a line, a CADF event or notification, or a record of
   * another kind. `outer` is the envelope it came in (`none` for a line of its own); a record
   * that carries a line in a field is an envelope itself, named `json:<field>` (`fluentd:<field>`).
   */
  function record(no: number, value: unknown, raw: string, outer: string, shipper: Shipper | undefined, depth: number): LineOutcome {
    if (!isObject(value)) {
      tally(outer, 'cadf');
      return stamp(cadfRecord(no, value, raw), shipper);
    }
    const inner = (f: string): LineOutcome =>
      text(no, value[f] as string, `${outer === 'none' ? 'json' : outer}:${f}`, provenance(value, shipper, false), depth);
    if (field !== undefined && typeof value[field] === 'string') return inner(field);
    if (isPlainNotification(value)) return other(outer, 'notification (not CADF)');
    if (isCadfLike(value)) {
      inServiceLog = false;
      tally(outer, 'cadf');
      return stamp(cadfRecord(no, value, raw), provenance(value, shipper, true));
    }
    if (typeof value.log === 'string') return inner('log');
    if (typeof value.message === 'string') return inner('message');
    return other(outer, 'json');
  }

  return {
    line(no, raw) {
      const prefix = FLUENTD_PREFIX.exec(raw);
      if (prefix === null) return text(no, raw, 'none', undefined, 0);
      const [time, tag] = prefix[0].split('\t') as [string, string];
      const json = raw.slice(prefix[0].length);
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch (err) {
        tally('fluentd', 'cadf');
        return stamp(cadfError(no, `invalid JSON in a fluentd record: ${(err as Error).message}`, raw), { time, tag });
      }
      return record(no, value, raw, 'fluentd', { time, tag }, 1);
    },
    value(no, value, raw) {
      return record(no, value, raw, 'none', undefined, 1);
    },
    audit() {
      inServiceLog = false;
    },
  };
}

/**
 * What a shipper's record says of where a line came from: fluentd's time and tag, Fluent Bit's
 * `date` (json_date_key) and Path_Key `file`, Vector's `timestamp`, `host` and `file`.
 * A record that is itself the event keeps only the shipper's own `date` (its `timestamp` is
 * the notification's).
 */
function provenance(o: JsonObject, outer: Shipper | undefined, isEvent: boolean): Shipper | undefined {
  const s: Shipper = { ...outer };
  const time = isEvent ? o.date : (o.date ?? o.timestamp ?? o['@timestamp'] ?? o.time);
  if (s.time === undefined && (typeof time === 'string' || typeof time === 'number')) s.time = time;
  if (!isEvent) {
    const host = o.host ?? o.hostname;
    if (typeof host === 'string' && host !== '') s.host = host;
    const file = o.file ?? o.path ?? o.filename;
    if (typeof file === 'string' && file !== '') s.file = file;
  }
  return Object.keys(s).length === 0 ? undefined : s;
}
