// Converts the FSCSM log's wall-clock times (which carry no zone) to UTC instants, using
// an IANA zone name and only the platform's Intl data (no tz database dependency).

/** Throws a RangeError with a readable message if `zone` is not an IANA zone known to this runtime. */
export function assertTimeZone(zone: string): void {
  // Known without asking Intl, whose first use loads the zone data (about 12 ms of start-up).
  if (isUtcZone(zone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new RangeError(`unknown time zone "${zone}" (expected an IANA name such as UTC or Europe/Paris)`);
  }
}

const QUARTER_HOUR = 15 * 60 * 1000;
const DAY = 24 * 60 * 60 * 1000;
/** The Gregorian calendar repeats every 400 years, which are exactly 146097 days. */
const FOUR_CENTURIES = 146097 * DAY;

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/**
 * Returns a converter from wall-clock fields to epoch milliseconds in `zone`.
 * Offsets are cached per quarter hour of UTC (every zone transition since 1970 falls on a
 * quarter hour), so Intl is consulted only a few times per chunk instead of once per line.
 * In a DST gap the time is read with the offset before the gap; in an overlap the earlier
 * (first) occurrence wins — the log cannot tell them apart.
 */
export function wallTimeConverter(zone: string): (w: WallTime) => number {
  assertTimeZone(zone);
  if (isUtcZone(zone)) return utcMs;
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  });
  const cache = new Map<number, number>();
  const offsetAt = (epochMs: number): number => {
    const bucket = Math.floor(epochMs / QUARTER_HOUR);
    let off = cache.get(bucket);
    if (off === undefined) {
      const probe = bucket * QUARTER_HOUR;
      const p: Record<string, number> = {};
      let bc = false;
      for (const part of fmt.formatToParts(probe)) {
        if (part.type === 'era') bc = part.value === 'BC';
        else if (part.type !== 'literal') p[part.type] = Number(part.value);
      }
      const year = p.year ?? 1970;
      const asUtc = utcMs({
        year: bc ? 1 - year : year,
        month: p.month ?? 1,
        day: p.day ?? 1,
        hour: p.hour ?? 0,
        minute: p.minute ?? 0,
        second: p.second ?? 0,
        millisecond: 0,
      });
      off = asUtc - probe;
      if (cache.size > 4096) cache.clear(); // bounded: a chunk spans days, not years
      cache.set(bucket, off);
    }
    return off;
  };
  return (w) => {
    const naive = utcMs(w);
    // The offsets in force a day before and after bracket the instant (offsets stay within
    // ±14 h), and a zone changes its offset at most once in two days.
    const before = offsetAt(naive - DAY);
    const early = naive - before;
    // Valid with the earlier offset: the usual case, and the first occurrence in an overlap.
    if (offsetAt(early) === before) return early;
    const after = offsetAt(naive + DAY);
    const late = naive - after;
    if (offsetAt(late) === after) return late;
    // In a gap neither reading exists: use the offset before the gap.
    return early;
  };
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Gregorian month length by arithmetic: parsers call it once per line, a Date would allocate. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return MONTH_DAYS[month - 1] ?? 31;
}

/** Zones whose wall clock is UTC itself. */
export function isUtcZone(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT';
}

/** Date.UTC for wall-clock fields, without its mapping of years 0-99 to 1900-1999. */
function utcMs(w: WallTime): number {
  const shift = w.year >= 0 && w.year < 100 ? 400 : 0;
  return (
    Date.UTC(w.year + shift, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) -
    (shift === 0 ? 0 : FOUR_CENTURIES)
  );
}
