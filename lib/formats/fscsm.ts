// FSCSM (Cloud Service Management) audit log: one operation per line,
//   Time<TAB>Operator-or-command<TAB>Operation<TAB>SUCCESS|FAILED
// The manual separates fields with TABs; copies of it show spaces, and its own sample has
// a space after the colon, a 12-hour time and comma-separated request IDs. All parse.

import type { Action, Draft, EntryRecord, ErrorRecord, ResourceType } from '../records';
import { ACTIONS, RESOURCE_TYPES } from '../records';
import type { WallTime } from '../timezone';
import { daysInMonth, isUtcZone, wallTimeConverter } from '../timezone';

export type LineParser = (no: number, text: string) => Draft;

// "yyyy/MM/dd HH:mm:ss.SSS", also "yyyy/MM/dd h:mm:ss PM.SSS" and "... h:mm:ss.SSS PM".
const TIME =
  /^(\d{4})\/(\d{1,2})\/(\d{1,2})[\t ]+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:[\t ]*([AaPp][Mm])(?:\.(\d{1,3}))?)?$/;
// The space-separated fallback: the actor is one token (a TAB-separated actor may hold spaces).
// The operation starts and ends with a non-blank so that no blank run can be tried by two
// groups: that keeps matching linear on long runs of blanks (a lazy `.+?` was quadratic).
const SPACED =
  /^(\d{4}\/\d{1,2}\/\d{1,2}[\t ]+\d{1,2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:[\t ]*[AaPp][Mm](?:\.\d{1,3})?)?)[\t ]+(\S+)[\t ]+(\S(?:.*\S)?)[\t ]+(\S+)[\t ]*$/;
// "create user:ID", "create org: ID", and the documented request form "delete: ID".
// The operation text arrives trimmed, so the ID runs to the end (linear, unlike `(.*?)[\t ]*$`).
const OPERATION = /^([A-Za-z]+)(?:[\t ]+([A-Za-z]+))?[\t ]*:[\t ]*([^\t \n\r\u2028\u2029].*)?$/;

const ACTION_SET = new Set<string>(ACTIONS);
const TYPE_SET = new Set<string>(RESOURCE_TYPES);

export function createFscsmParser(options: { timeZone: string }): LineParser {
  const toEpoch = wallTimeConverter(options.timeZone);
  // In UTC the instant is the wall clock itself: no Date round trip per line.
  const utc = isUtcZone(options.timeZone);

  return (no, text) => {
    const fields = splitFields(text);
    if (!fields) return error(no, 'unrecognised line layout: expected Time, Operator, Operation, SUCCESS|FAILED', text);
    const [time, actor, operation, status] = fields;

    const outcome = status.toUpperCase();
    if (outcome !== 'SUCCESS' && outcome !== 'FAILED') {
      return error(no, `unknown outcome "${status}" (expected SUCCESS or FAILED)`, text);
    }

    let when: WallTime | string | undefined = canonicalWallTime(time);
    if (when === undefined) {
      const t = TIME.exec(time);
      if (!t) return error(no, `invalid time "${time}" (expected yyyy/MM/dd HH:mm:ss.SSS)`, text);
      when = wallTime(t);
    }
    if (typeof when === 'string') return error(no, when, text);

    const op = OPERATION.exec(operation);
    if (!op) return error(no, `unrecognised operation "${operation}"`, text);
    const action = (op[1] as string).toLowerCase();
    // "delete: 12" is the manual's form for requests.
    const type = op[2] === undefined ? (action === 'delete' ? 'request' : '') : op[2].toLowerCase();
    if (!ACTION_SET.has(action)) return error(no, `unknown action "${op[1]}"`, text);
    if (!TYPE_SET.has(type)) return error(no, `unknown resource type "${op[2] ?? ''}"`, text);
    const idText = op[3] ?? '';
    const resourceIds = type === 'request' ? splitIds(idText) : idText === '' ? [] : [idText];
    if (resourceIds.length === 0) return error(no, `missing resource ID in "${operation}"`, text);

    const localTime = localIso(when);
    const timestamp = utc ? `${localTime}Z` : new Date(toEpoch(when)).toISOString();
    // Years past 9999 or before 0000 in UTC have no yyyy-MM-dd form (the contract's timestamp).
    if (timestamp.length !== 24) return error(no, `time ${localTime} is out of range once converted to UTC`, text);
    const record: Draft<EntryRecord> = {
      line: no,
      kind: 'entry',
      timestamp,
      localTime,
      actor,
      action: action as Action,
      resourceType: type as ResourceType,
      resourceIds,
      outcome,
      operation,
    };
    if (type === 'keypair') Object.assign(record, splitKeypair(idText));
    return record;
  };
}

/**
 * The manual's layout, exactly three single TABs and no blank at a field's edge: the common
 * line, split with indexOf instead of a regex (the profile's second-largest cost). Anything
 * else takes the general path below, which gives the same fields for such lines.
 */
function canonicalFields(text: string): [string, string, string, string] | undefined {
  const a = text.indexOf('\t');
  if (a <= 0) return undefined;
  const b = text.indexOf('\t', a + 1);
  if (b <= a + 1) return undefined;
  const c = text.indexOf('\t', b + 1);
  if (c <= b + 1 || c === text.length - 1 || text.indexOf('\t', c + 1) !== -1) return undefined;
  const f: [string, string, string, string] = [text.slice(0, a), text.slice(a + 1, b), text.slice(b + 1, c), text.slice(c + 1)];
  return f[0].trim() === f[0] && f[1].trim() === f[1] && f[2].trim() === f[2] && f[3].trim() === f[3] ? f : undefined;
}

const D0 = 48;
/** "yyyy/MM/dd HH:mm:ss.SSS": its length and where its digits are (the byte path reads the same layout). */
export const CANONICAL_TIME_LENGTH = 23;
export const CANONICAL_TIME_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/** "yyyy/MM/dd HH:mm:ss.SSS" read by character codes; undefined sends the time to the regex. */
function canonicalWallTime(time: string): WallTime | undefined {
  if (time.length !== CANONICAL_TIME_LENGTH) return undefined;
  const c = (i: number): number => time.charCodeAt(i) - D0;
  for (const i of CANONICAL_TIME_DIGITS) {
    const d = c(i);
    if (d < 0 || d > 9) return undefined;
  }
  if (time[4] !== '/' || time[7] !== '/' || time[10] !== ' ' || time[13] !== ':' || time[16] !== ':' || time[19] !== '.') return undefined;
  const w: WallTime = {
    year: c(0) * 1000 + c(1) * 100 + c(2) * 10 + c(3),
    month: c(5) * 10 + c(6),
    day: c(8) * 10 + c(9),
    hour: c(11) * 10 + c(12),
    minute: c(14) * 10 + c(15),
    second: c(17) * 10 + c(18),
    millisecond: c(20) * 100 + c(21) * 10 + c(22),
  };
  // Out-of-range fields take the regex path, which words the error.
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.day > daysInMonth(w.year, w.month)) return undefined;
  if (w.hour > 23 || w.minute > 59 || w.second > 59) return undefined;
  return w;
}

function splitFields(text: string): [string, string, string, string] | undefined {
  const canonical = canonicalFields(text);
  if (canonical) return canonical;
  if (text.includes('\t')) {
    const parts = text.split(/\t+/).map((p) => p.trim());
    if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length === 4 && parts.every((p) => p !== '')) return parts as [string, string, string, string];
  }
  const m = SPACED.exec(text.trim());
  return m ? [m[1] as string, m[2] as string, m[3] as string, m[4] as string] : undefined;
}

function wallTime(t: RegExpExecArray): WallTime | string {
  const year = Number(t[1]);
  const month = Number(t[2]);
  const day = Number(t[3]);
  let hour = Number(t[4]);
  const minute = Number(t[5]);
  const second = Number(t[6]);
  const msText = t[7] ?? t[9] ?? '0';
  const millisecond = Number(msText.padEnd(3, '0'));
  const meridiem = t[8]?.toUpperCase();
  if (meridiem) {
    if (hour < 1 || hour > 12) return `invalid 12-hour time: hour ${hour}`;
    hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  if (month < 1 || month > 12) return `invalid month ${month}`;
  if (day < 1 || day > daysInMonth(year, month)) return `invalid day ${day} for ${year}/${month}`;
  if (hour > 23 || minute > 59 || second > 59) return `invalid time of day ${t[4]}:${t[5]}:${t[6]}`;
  return { year, month, day, hour, minute, second, millisecond };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function localIso(w: WallTime): string {
  const y = w.year >= 1000 ? `${w.year}` : String(w.year).padStart(4, '0');
  const ms = w.millisecond >= 100 ? `${w.millisecond}` : w.millisecond >= 10 ? `0${w.millisecond}` : `00${w.millisecond}`;
  return `${y}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}.${ms}`;
}

function splitIds(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** "[Platform ID]_[Key Pair Name]": split only when exactly one underscore makes it unambiguous. */
function splitKeypair(id: string): { platformId?: string; keyName?: string } {
  const at = id.indexOf('_');
  if (at <= 0 || at === id.length - 1 || id.indexOf('_', at + 1) !== -1) return {};
  return { platformId: id.slice(0, at), keyName: id.slice(at + 1) };
}

function error(no: number, reason: string, raw: string): Draft<ErrorRecord> {
  return { line: no, kind: 'error', reason, raw };
}
