import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addBusinessTime, addBusinessTimeByDays, businessTimeBetween, businessTimeBetweenByDays, localToInstant, isoToDay, ALWAYS_OPEN, type Calendar, type Window } from './calendar';
import { computeSla, readClock, type StatusEvent, type SlaTargets } from './clock';
import { choosePolicy, type SlaPolicy } from './policy';
import { holidaysFromIcs } from './ics';

const H = 3_600_000;
const t = (iso: string) => Date.parse(iso);
const weekdays = (tz: string, start = 9 * 60, end = 17 * 60, holidays: string[] = []): Calendar => ({
  id: 'c',
  name: 'Office',
  timezone: tz,
  hours: [1, 2, 3, 4, 5].map((d) => [d, start, end] as const),
  holidays: holidays.map((date) => ({ date, name: 'Holiday' })),
});

describe('business-hours calendars', () => {
  it('adds business time across an evening and a weekend in London', () => {
    const cal = weekdays('Europe/London');
    // Friday 16:00 local (GMT in January) + 2 business hours = Monday 10:00.
    expect(new Date(addBusinessTime(cal, t('2026-01-09T16:00:00Z'), 2 * H)!).toISOString()).toBe('2026-01-12T10:00:00.000Z');
    // Started before opening: counts from 09:00.
    expect(new Date(addBusinessTime(cal, t('2026-01-12T06:00:00Z'), 1 * H)!).toISOString()).toBe('2026-01-12T10:00:00.000Z');
  });

  it('follows London into summer time (office opens at 08:00 UTC after the change)', () => {
    const cal = weekdays('Europe/London');
    // Clocks go forward on Sunday 29 March 2026. Friday 27th 16:30 GMT + 1h = Monday 30th 09:30 BST = 08:30Z.
    expect(new Date(addBusinessTime(cal, t('2026-03-27T16:30:00Z'), H)!).toISOString()).toBe('2026-03-30T08:30:00.000Z');
    expect(businessTimeBetween(cal, t('2026-03-27T00:00:00Z'), t('2026-03-31T00:00:00Z'))).toBe(16 * H);
  });

  it('counts the 25-hour and 23-hour days of New York around the clock', () => {
    const cal: Calendar = { id: 'ny', name: 'NY', timezone: 'America/New_York', hours: [], holidays: [] };
    // 1 November 2026: clocks go back; the local day lasts 25 hours.
    const day = isoToDay('2026-11-01');
    expect(localToInstant('America/New_York', day + 1, 0) - localToInstant('America/New_York', day, 0)).toBe(25 * H);
    expect(businessTimeBetween(cal, localToInstant('America/New_York', day, 0), localToInstant('America/New_York', day + 1, 0))).toBe(25 * H);
    // 8 March 2026: clocks go forward, a 23-hour day.
    const spring = isoToDay('2026-03-08');
    expect(localToInstant('America/New_York', spring + 1, 0) - localToInstant('America/New_York', spring, 0)).toBe(23 * H);
  });

  it('keeps New York office hours on local time across the change', () => {
    const cal = weekdays('America/New_York');
    // Friday 30 Oct 2026 16:00 EDT (20:00Z) + 2h = Monday 2 Nov 10:00 EST (15:00Z).
    expect(new Date(addBusinessTime(cal, t('2026-10-30T20:00:00Z'), 2 * H)!).toISOString()).toBe('2026-11-02T15:00:00.000Z');
  });

  it('skips holidays', () => {
    const cal = weekdays('Europe/London', 540, 1020, ['2026-12-25', '2026-12-28']);
    // Thursday 24 Dec 16:00 + 2h: 1h on the 24th, Friday 25th and Monday 28th closed, so Tuesday 29th 10:00.
    expect(new Date(addBusinessTime(cal, t('2026-12-24T16:00:00Z'), 2 * H)!).toISOString()).toBe('2026-12-29T10:00:00.000Z');
  });

  it('a calendar read afresh counts as the one it repeats, and an edited one by its new hours and holidays', () => {
    const week = [t('2026-12-21T00:00:00Z'), t('2026-12-28T00:00:00Z')] as const;
    expect(businessTimeBetween(weekdays('Europe/London'), ...week)).toBe(5 * 8 * H);
    // The same calendar as read again from the store (a new object, same content).
    expect(businessTimeBetween(weekdays('Europe/London'), ...week)).toBe(5 * 8 * H);
    // Edited: Christmas Day off, then shorter days, then another zone.
    expect(businessTimeBetween(weekdays('Europe/London', 540, 1020, ['2026-12-25']), ...week)).toBe(4 * 8 * H);
    expect(businessTimeBetween(weekdays('Europe/London', 600, 1020, ['2026-12-25']), ...week)).toBe(4 * 7 * H);
    expect(businessTimeBetween(weekdays('America/New_York'), t('2026-12-21T14:00:00Z'), t('2026-12-21T15:00:00Z'))).toBe(H);
    expect(businessTimeBetween(weekdays('Europe/London'), t('2026-12-21T14:00:00Z'), t('2026-12-21T15:00:00Z'))).toBe(H);
    expect(businessTimeBetween(weekdays('America/New_York'), t('2026-12-21T09:00:00Z'), t('2026-12-21T10:00:00Z'))).toBe(0);
  });

  it('answers from its timeline exactly what a walk day by day answers, across zones, summer time, holidays and years (fixed seed)', () => {
    const zones = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC'];
    const window = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1440 }), fc.integer({ min: 0, max: 1440 }));
    const span = { min: t('2015-01-01T00:00:00Z'), max: t('2031-01-01T00:00:00Z') };
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.array(window, { maxLength: 9 }),
        fc.array(fc.integer({ min: isoToDay('2015-01-01'), max: isoToDay('2031-01-01') }), { maxLength: 30 }),
        fc.array(fc.tuple(fc.integer(span), fc.integer({ min: 0, max: 120 * 86_400_000 })), { minLength: 1, maxLength: 12 }),
        (timezone, hours, holidays, pairs) => {
          const cal: Calendar = {
            id: 'p',
            name: 'Property',
            timezone,
            hours: hours as Window[],
            holidays: holidays.map((d) => ({ date: new Date(d * 86_400_000).toISOString().slice(0, 10), name: 'Off' })),
          };
          for (const [from, length] of pairs) {
            expect(businessTimeBetween(cal, from, from + length)).toBe(businessTimeBetweenByDays(cal, from, from + length));
            expect(addBusinessTime(cal, from, length % (60 * 86_400_000))).toBe(addBusinessTimeByDays(cal, from, length % (60 * 86_400_000)));
          }
        },
      ),
      { seed: 20261207, numRuns: 60 },
    );
  });

  it('answers null when a calendar never opens', () => {
    const closed: Calendar = { id: 'x', name: 'Closed', timezone: 'UTC', hours: [[0, 0, 0]], holidays: [] };
    expect(addBusinessTime(closed, 0, H)).toBeNull();
  });
});

const ev = (at: string, to: StatusEvent['to'], reason: string | null = null, id = at): StatusEvent => ({ at, id, to, reason });

describe('the SLA clock', () => {
  const targets: SlaTargets = { responseMinutes: 60, resolutionMinutes: 8 * 60, warnShare: 0.75, calendar: weekdays('Europe/London') };

  it('pauses while pending on the customer and resumes after', () => {
    const f = computeSla(
      {
        openedAt: '2026-01-12T09:00:00Z',
        firstResponseAt: null,
        history: [
          ev('2026-01-12T09:00:00Z', 'new'),
          ev('2026-01-12T09:30:00Z', 'in_progress'),
          ev('2026-01-12T11:00:00Z', 'pending', 'customer'),
          ev('2026-01-13T11:00:00Z', 'in_progress'),
        ],
      },
      targets,
    );
    expect(f.response).toMatchObject({ state: 'stopped', met: true, stoppedAt: t('2026-01-12T09:30:00Z') });
    // 2h counted before the pause; 6h left from Tuesday 11:00 → Tuesday 17:00.
    expect(f.resolution).toMatchObject({ state: 'running', elapsedMs: 2 * H });
    expect(new Date(f.resolution!.dueAt!).toISOString()).toBe('2026-01-13T17:00:00.000Z');
    // Warning at 6h of 8: Tuesday 15:00.
    expect(new Date(f.resolution!.warnAt!).toISOString()).toBe('2026-01-13T15:00:00.000Z');
    expect(readClock(f.resolution!, t('2026-01-13T15:30:00Z')).level).toBe('warning');
    expect(readClock(f.resolution!, t('2026-01-13T17:00:00Z')).level).toBe('breached');
  });

  it('does not pause while pending on a change', () => {
    const f = computeSla(
      { openedAt: '2026-01-12T09:00:00Z', firstResponseAt: null, history: [ev('2026-01-12T10:00:00Z', 'pending', 'change')] },
      targets,
    );
    expect(f.resolution!.state).toBe('running');
    expect(new Date(f.resolution!.dueAt!).toISOString()).toBe('2026-01-12T17:00:00.000Z');
  });

  it('reads a paused clock as paused, with what is left of the target', () => {
    const f = computeSla(
      { openedAt: '2026-01-12T09:00:00Z', firstResponseAt: null, history: [ev('2026-01-12T10:00:00Z', 'pending', 'vendor')] },
      targets,
    );
    expect(f.resolution!.state).toBe('paused');
    expect(readClock(f.resolution!, t('2026-02-01T00:00:00Z'))).toMatchObject({ level: 'paused', leftMs: 7 * H });
  });

  it('stops at resolution and records whether the target was met; a reopen runs on', () => {
    const history = [ev('2026-01-12T09:10:00Z', 'in_progress'), ev('2026-01-12T16:00:00Z', 'resolved')];
    const met = computeSla({ openedAt: '2026-01-12T09:00:00Z', firstResponseAt: null, history }, targets);
    expect(met.resolution).toMatchObject({ state: 'stopped', met: true, elapsedMs: 7 * H });
    const reopened = computeSla(
      { openedAt: '2026-01-12T09:00:00Z', firstResponseAt: null, history: [...history, ev('2026-01-13T09:00:00Z', 'in_progress'), ev('2026-01-13T12:00:00Z', 'resolved')] },
      targets,
    );
    expect(reopened.resolution).toMatchObject({ state: 'stopped', met: false, elapsedMs: 10 * H });
    expect(new Date(reopened.resolution!.dueAt!).toISOString()).toBe('2026-01-13T10:00:00.000Z');
  });

  it('takes the earlier of the first-response time and the first move to work', () => {
    const f = computeSla(
      { openedAt: '2026-01-12T09:00:00Z', firstResponseAt: '2026-01-12T09:20:00Z', history: [ev('2026-01-12T11:00:00Z', 'in_progress')] },
      targets,
    );
    expect(f.response).toMatchObject({ state: 'stopped', met: true, stoppedAt: t('2026-01-12T09:20:00Z') });
  });

  it('counts a cancelled ticket as neither met nor missed', () => {
    const f = computeSla({ openedAt: '2026-01-12T09:00:00Z', firstResponseAt: null, history: [ev('2026-01-14T09:00:00Z', 'cancelled')] }, targets);
    expect(f.resolution!.met).toBeNull();
    expect(f.response!.met).toBeNull();
  });

  it('never depends on the order in which two devices’ histories arrive (fixed seed)', () => {
    const statuses = ['new', 'assigned', 'in_progress', 'pending', 'resolved'] as const;
    const event = fc.record({
      minute: fc.integer({ min: 0, max: 60 * 24 * 20 }),
      to: fc.constantFrom(...statuses),
      reason: fc.constantFrom('customer', 'vendor', 'change', null),
      id: fc.uuid(),
    });
    const cals = [weekdays('Europe/London', 480, 1080, ['2026-03-30']), weekdays('America/New_York'), ALWAYS_OPEN];
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.array(event, { maxLength: 12 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1_000_000 }), (a, b, ci, shuffleSeed) => {
        const base = t('2026-03-20T08:00:00Z');
        const toEv = (e: (typeof a)[number]) => ({ at: new Date(base + e.minute * 60_000).toISOString(), id: e.id, to: e.to, reason: e.to === 'pending' ? e.reason : null });
        const tg: SlaTargets = { responseMinutes: 90, resolutionMinutes: 16 * 60, warnShare: 0.75, calendar: cals[ci]! };
        const opened = new Date(base).toISOString();
        const ab = computeSla({ openedAt: opened, firstResponseAt: null, history: [...a.map(toEv), ...b.map(toEv)] }, tg);
        const ba = computeSla({ openedAt: opened, firstResponseAt: null, history: [...b.map(toEv), ...a.map(toEv)] }, tg);
        // Any interleaving: a deterministic shuffle from the generated seed.
        const all = [...a.map(toEv), ...b.map(toEv)];
        let s = shuffleSeed;
        for (let i = all.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const j = s % (i + 1);
          [all[i], all[j]] = [all[j]!, all[i]!];
        }
        const mixed = computeSla({ openedAt: opened, firstResponseAt: null, history: all }, tg);
        expect(ba).toEqual(ab);
        expect(mixed).toEqual(ab);
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  it('elapsed time never exceeds wall time and a later due follows a longer pause (fixed seed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (pauseAfter, pauseFor) => {
        const opened = t('2026-10-28T12:00:00Z');
        const at = (m: number) => new Date(opened + m * 60_000).toISOString();
        const tg: SlaTargets = { responseMinutes: null, resolutionMinutes: 24 * 60, warnShare: 0.5, calendar: weekdays('America/New_York') };
        const short = computeSla({ openedAt: at(0), firstResponseAt: null, history: [ev(at(pauseAfter), 'pending', 'customer', 'a'), ev(at(pauseAfter + pauseFor), 'in_progress', null, 'b')] }, tg);
        const longer = computeSla({ openedAt: at(0), firstResponseAt: null, history: [ev(at(pauseAfter), 'pending', 'customer', 'a'), ev(at(pauseAfter + pauseFor + 60), 'in_progress', null, 'b')] }, tg);
        expect(short.resolution!.elapsedMs).toBeLessThanOrEqual(pauseAfter * 60_000);
        expect(longer.resolution!.dueAt!).toBeGreaterThanOrEqual(short.resolution!.dueAt!);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('choosing a policy', () => {
  const base = { active: true, calendarId: null, warnShare: 0.75, escalations: [], type: null, category: null, siteId: null, position: 0 };
  const all: SlaPolicy = { ...base, id: 'a', name: 'Default', targets: { '1': { response: 15, resolution: 240 }, '3': { response: 60, resolution: 2400 } } };
  const hw: SlaPolicy = { ...base, id: 'b', name: 'Hardware incidents', type: 'incident', category: 'Hardware', targets: { '3': { response: 30, resolution: 960 } } };
  it('prefers the most specific matching policy with targets for the priority', () => {
    expect(choosePolicy([all, hw], { type: 'incident', category: 'Hardware', siteId: 's', priority: 3 })?.id).toBe('b');
    expect(choosePolicy([all, hw], { type: 'request', category: 'Hardware', siteId: 's', priority: 3 })?.id).toBe('a');
    expect(choosePolicy([all, hw], { type: 'incident', category: 'Hardware', siteId: 's', priority: 1 })?.id).toBe('a');
    expect(choosePolicy([all, hw], { type: 'incident', category: null, siteId: 's', priority: 2 })).toBeNull();
    expect(choosePolicy([{ ...all, active: false }], { type: 'incident', category: null, siteId: 's', priority: 1 })).toBeNull();
  });
});

describe('holidays from iCalendar', () => {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'BEGIN:VEVENT',
    'DTSTART;VALUE=DATE:20201225',
    'DTEND;VALUE=DATE:20201227',
    'RRULE:FREQ=YEARLY',
    'SUMMARY:Christmas Day and Boxing\r\n  Day',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'DTSTART;VALUE=DATE:20260403',
    'SUMMARY:Good Friday',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'DTSTART;TZID=Europe/London:20260825T090000',
    'DTEND;TZID=Europe/London:20260825T170000',
    'SUMMARY:Team day',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'DTSTART:20260105',
    'RRULE:FREQ=MONTHLY;BYDAY=1MO',
    'SUMMARY:Monthly',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'SUMMARY:Broken',
    'DTSTART:2026-13-01',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  it('reads all-day, timed, multi-day and yearly events, and reports what it cannot read', () => {
    const r = holidaysFromIcs(ics, { from: 2026, to: 2027 });
    expect(r.holidays.map((h) => h.date)).toEqual(['2026-04-03', '2026-08-25', '2026-12-25', '2026-12-26', '2027-12-25', '2027-12-26']);
    expect(r.holidays.find((h) => h.date === '2026-12-25')?.name).toBe('Christmas Day and Boxing Day');
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/Monthly/);
    expect(r.problems[1]).toMatch(/Broken/);
  });
  it('refuses a file that is not iCalendar', () => {
    expect(holidaysFromIcs('hello', { from: 2026, to: 2026 }).problems[0]).toMatch(/not an iCalendar/);
  });
});
