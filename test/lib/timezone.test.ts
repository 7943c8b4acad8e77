import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertTimeZone, wallTimeConverter, type WallTime } from '../../lib/timezone';

afterEach(() => {
  vi.restoreAllMocks();
});

function wall(text: string): WallTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(text);
  if (!m) throw new Error(`bad wall time ${text}`);
  const [year, month, day, hour, minute, second, millisecond] = m.slice(1).map(Number);
  return { year, month, day, hour, minute, second, millisecond } as WallTime;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('assertTimeZone', () => {
  it.each(['Mars/Base', 'Europe/Pariss', '', 'UTC+25'])('rejects %j with a readable RangeError', (zone) => {
    expect(() => assertTimeZone(zone)).toThrow(RangeError);
    expect(() => assertTimeZone(zone)).toThrow(`unknown time zone "${zone}" (expected an IANA name such as UTC or Europe/Paris)`);
  });

  it.each(['UTC', 'Etc/UTC', 'GMT', 'Europe/Paris', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata'])('accepts %s', (zone) => {
    expect(() => assertTimeZone(zone)).not.toThrow();
  });

  it('is also applied by wallTimeConverter', () => {
    expect(() => wallTimeConverter('Mars/Base')).toThrow(/unknown time zone "Mars\/Base"/);
  });
});

describe('wallTimeConverter: UTC fast path', () => {
  it.each(['UTC', 'Etc/UTC', 'GMT'])('%s converts with plain arithmetic, without asking Intl', (zone) => {
    const formatToParts = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    const convert = wallTimeConverter(zone);
    expect(iso(convert(wall('2015-06-29T14:35:30.902')))).toBe('2015-06-29T14:35:30.902Z');
    expect(iso(convert(wall('2016-02-29T23:59:59.999')))).toBe('2016-02-29T23:59:59.999Z');
    expect(formatToParts).not.toHaveBeenCalled();
  });

  it('keeps years 0-99 as they are (Date.UTC alone would read them as 1900-1999)', () => {
    const convert = wallTimeConverter('UTC');
    expect(iso(convert(wall('0099-12-31T23:59:59.999')))).toBe('0099-12-31T23:59:59.999Z');
    expect(iso(convert(wall('0000-02-29T12:00:00.000')))).toBe('0000-02-29T12:00:00.000Z');
    expect(iso(convert(wall('0100-01-01T00:00:00.000')))).toBe('0100-01-01T00:00:00.000Z');
  });
});

describe('wallTimeConverter: zones', () => {
  it.each([
    ['Asia/Tokyo', '2015-06-29T14:35:30.902', '2015-06-29T05:35:30.902Z'],
    ['Asia/Tokyo', '2016-01-01T00:00:00.000', '2015-12-31T15:00:00.000Z'],
    ['Asia/Kolkata', '2021-06-01T12:00:00.000', '2021-06-01T06:30:00.000Z'],
    ['Asia/Kathmandu', '2021-06-01T12:00:00.000', '2021-06-01T06:15:00.000Z'],
    ['Pacific/Chatham', '2021-06-01T12:00:00.000', '2021-05-31T23:15:00.000Z'],
    ['America/St_Johns', '2021-01-15T12:00:00.000', '2021-01-15T15:30:00.000Z'],
    ['Europe/Paris', '2021-01-15T12:00:00.000', '2021-01-15T11:00:00.000Z'],
    ['Europe/Paris', '2021-07-15T12:00:00.000', '2021-07-15T10:00:00.000Z'],
    ['America/New_York', '2021-07-04T12:00:00.000', '2021-07-04T16:00:00.000Z'],
    ['America/New_York', '2021-01-04T12:00:00.000', '2021-01-04T17:00:00.000Z'],
    ['Australia/Sydney', '2021-01-15T12:00:00.000', '2021-01-15T01:00:00.000Z'],
    ['Australia/Sydney', '2021-07-15T12:00:00.000', '2021-07-15T02:00:00.000Z'],
  ])('%s: %s is %s', (zone, local, utc) => {
    expect(iso(wallTimeConverter(zone)(wall(local)))).toBe(utc);
  });

  it.each([
    // Overlaps (clocks go back): the first occurrence, whatever the sign of the offset.
    ['America/New_York', '2021-11-07T01:30:00.000', '2021-11-07T05:30:00.000Z'],
    ['Europe/Berlin', '2021-10-31T02:30:00.000', '2021-10-31T00:30:00.000Z'],
    ['Australia/Sydney', '2021-04-04T02:30:00.000', '2021-04-03T15:30:00.000Z'],
    ['Australia/Lord_Howe', '2021-04-04T01:45:00.000', '2021-04-03T14:45:00.000Z'],
    // Just outside the overlaps.
    ['Europe/Berlin', '2021-10-31T01:59:59.999', '2021-10-30T23:59:59.999Z'],
    ['Europe/Berlin', '2021-10-31T03:00:00.000', '2021-10-31T02:00:00.000Z'],
  ])('overlap %s %s: first occurrence %s', (zone, local, utc) => {
    expect(iso(wallTimeConverter(zone)(wall(local)))).toBe(utc);
  });

  it.each([
    // Gaps (clocks go forward): read with the offset in force before the gap.
    ['America/New_York', '2021-03-14T02:30:00.000', '2021-03-14T07:30:00.000Z'],
    ['Europe/Berlin', '2021-03-28T02:30:00.000', '2021-03-28T01:30:00.000Z'],
    ['Australia/Sydney', '2021-10-03T02:30:00.000', '2021-10-02T16:30:00.000Z'],
    ['Australia/Lord_Howe', '2021-10-03T02:15:00.000', '2021-10-02T15:45:00.000Z'],
    // Just outside the gaps.
    ['Europe/Berlin', '2021-03-28T01:59:59.999', '2021-03-28T00:59:59.999Z'],
    ['Europe/Berlin', '2021-03-28T03:00:00.000', '2021-03-28T01:00:00.000Z'],
  ])('gap %s %s: offset before the gap gives %s', (zone, local, utc) => {
    expect(iso(wallTimeConverter(zone)(wall(local)))).toBe(utc);
  });

  it('consults Intl only a few times for many lines of the same hour (offset cache)', () => {
    const convert = wallTimeConverter('Europe/Paris');
    const formatToParts = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    for (let s = 0; s < 600; s++) convert({ year: 2021, month: 5, day: 1, hour: 10, minute: Math.floor(s / 60), second: s % 60, millisecond: 0 });
    expect(formatToParts.mock.calls.length).toBeLessThanOrEqual(4);
  });
});

describe('wallTimeConverter: properties', () => {
  const ZONES = [
    'Asia/Tokyo',
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'America/St_Johns',
    'Pacific/Chatham',
    'America/Sao_Paulo',
  ] as const;
  const formatters = new Map(
    ZONES.map((z) => [
      z,
      new Intl.DateTimeFormat('en-US', {
        timeZone: z,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
    ]),
  );
  const converters = new Map(ZONES.map((z) => [z, wallTimeConverter(z)]));

  /** The zone's wall clock at an instant, as the reference (Intl) shows it. */
  function wallAt(zone: (typeof ZONES)[number], ms: number): WallTime {
    const p: Record<string, number> = {};
    for (const part of (formatters.get(zone) as Intl.DateTimeFormat).formatToParts(ms)) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    return {
      year: p.year as number,
      month: p.month as number,
      day: p.day as number,
      hour: p.hour as number,
      minute: p.minute as number,
      second: p.second as number,
      millisecond: ((ms % 1000) + 1000) % 1000,
    };
  }

  it('maps the wall clock of any instant back to that instant, or to its first occurrence', () => {
    const from = Date.UTC(1971, 0, 1);
    const to = Date.UTC(2099, 0, 1);
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: from, max: to }), (zone, t) => {
        const w = wallAt(zone, t);
        const r = (converters.get(zone) as (w: WallTime) => number)(w);
        // r shows the same wall clock ...
        expect(wallAt(zone, r)).toEqual(w);
        // ... and is the earliest instant that does (an overlap is at most 2 hours long here).
        expect(r).toBeLessThanOrEqual(t);
        expect(t - r).toBeLessThanOrEqual(2 * 3600_000);
        for (const back of [30 * 60_000, 3600_000, 2 * 3600_000]) expect(wallAt(zone, r - back)).not.toEqual(w);
      }),
      { numRuns: 3000 },
    );
  });

  it('picks the first occurrence near every 2021 transition of every zone (reference: Intl)', () => {
    const offsetOf = (zone: (typeof ZONES)[number], t: number) => {
      const w = wallAt(zone, t);
      return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - t;
    };
    // Find the transitions by a daily scan refined by bisection.
    const edges: Array<{ zone: (typeof ZONES)[number]; at: number; shift: number }> = [];
    for (const zone of ZONES) {
      for (let day = Date.UTC(2021, 0, 1); day < Date.UTC(2022, 0, 1); day += 86_400_000) {
        if (offsetOf(zone, day) === offsetOf(zone, day + 86_400_000)) continue;
        let lo = day;
        let hi = day + 86_400_000;
        while (hi - lo > 60_000) {
          const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
          if (offsetOf(zone, mid) === offsetOf(zone, lo)) lo = mid;
          else hi = mid;
        }
        edges.push({ zone, at: hi, shift: offsetOf(zone, hi) - offsetOf(zone, lo) });
      }
    }
    // Two per zone, except the zones without DST.
    expect(edges.length).toBe(2 * ZONES.filter((z) => z !== 'Asia/Tokyo' && z !== 'Asia/Kolkata' && z !== 'America/Sao_Paulo').length);
    fc.assert(
      fc.property(fc.constantFrom(...edges), fc.integer({ min: -180, max: 180 }), ({ zone, at, shift }, minutes) => {
        const t = at + minutes * 60_000;
        const w = wallAt(zone, t);
        // Clocks went back by -shift: the same wall clock was shown -shift earlier.
        const expected = shift < 0 && t >= at && t < at - shift ? t + shift : t;
        expect(iso((converters.get(zone) as (w: WallTime) => number)(w))).toBe(iso(expected));
      }),
      { numRuns: 600 },
    );
  });

  it('maps instants near DST transitions back exactly when their wall clock is unique', () => {
    // Instants within ±3 h of the 2021 New York transitions, at one-minute resolution.
    const starts = [Date.UTC(2021, 2, 14, 7), Date.UTC(2021, 10, 7, 6)];
    const convert = converters.get('America/New_York') as (w: WallTime) => number;
    fc.assert(
      fc.property(fc.constantFrom(...starts), fc.integer({ min: -180, max: 180 }), (edge, minutes) => {
        const t = edge + minutes * 60_000;
        const inOverlap = edge === starts[1] && minutes >= 0 && minutes < 60;
        const expected = inOverlap ? t - 3600_000 : t;
        expect(iso(convert(wallAt('America/New_York', t)))).toBe(iso(expected));
      }),
      { numRuns: 400 },
    );
  });
});
