/** Field rules for a calendar's stored values: its zone, weekly hours and holidays as JSON text. */
import { z } from 'zod';
import { isTimeZone } from './calendar';
import { jsonText } from './json-text';

export const calendarWindow = z
  .tuple([z.number().int().min(0).max(6), z.number().int().min(0).max(1440), z.number().int().min(0).max(1440)])
  .refine(([, s, e]) => e > s, { message: 'Each opening window ends after it starts.' });
export const calendarHours = z.array(calendarWindow).max(70);

export const holiday = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'A holiday date looks like 2026-12-25.' }),
    name: z.string().trim().min(1).max(120),
  })
  .strict();
export const holidays = z.array(holiday).max(2000);

export const timeZoneText = z.string().min(1).max(64).refine(isTimeZone, { message: 'Not a time zone Outpost knows (use an IANA name such as Europe/London).' });
export const calendarHoursText = jsonText(calendarHours, 'Opening hours');
export const holidaysText = jsonText(holidays, 'Holidays', 120_000);
