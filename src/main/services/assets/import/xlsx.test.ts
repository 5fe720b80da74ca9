/**
 * Dates in Excel workbooks: a number in a cell formatted as a date (built-in or custom format) is read
 * as the day it shows, in the workbook's own date system (1900 with Excel's phantom 29 February, or
 * 1904); times and date-times keep their time of day; numbers in number formats stay numbers; and a
 * workbook this reader's writer makes reads back as written.
 */
import { describe, expect, it } from 'vitest';
import { formatDateKind, parseXlsx, serialToText, writeXlsx } from './xlsx';
import { workbook } from '../../../testing/xlsx';

describe('xlsx dates', () => {
  it('reads date, time and date-time cells by their format, and leaves numbers alone', () => {
    // Styles: 1 built-in date (14), 2 custom dd/mm/yyyy, 3 built-in date-time (22), 4 built-in time (20),
    // 5 a number format, 6 a custom format with quoted text and a colour, 7 a long custom date.
    const file = workbook(
      [
        ['Title', 'Last reviewed', 'Due', 'At', 'Time', 'Cost', 'Note', 'Long'],
        ['Backups', { n: 46112, s: 1 }, { n: 46112, s: 2 }, { n: 46112.5855, s: 3 }, { n: 0.75, s: 4 }, { n: 46112, s: 5 }, { n: 12, s: 6 }, { n: 45658, s: 7 }],
      ],
      { formats: [14, 'dd/mm/yyyy;@', 22, 20, '#,##0.00', '[Red]"Total "0', '[$-409]dddd, mmmm d, yyyy'] },
    );
    expect(parseXlsx(file).rows[0]).toEqual(['Backups', '2026-03-31', '2026-03-31', '2026-03-31 14:03:07', '18:00:00', '46112', '12', '2025-01-01']);
  });

  it('counts in the 1904 date system when the workbook says so', () => {
    const file = workbook([['Day'], [{ n: 44650, s: 1 }]], { formats: ['yyyy-mm-dd'], date1904: true });
    expect(parseXlsx(file).rows[0]).toEqual(['2026-03-31']);
  });

  it("follows Excel's 1900 calendar, phantom 29 February included", () => {
    expect(serialToText(1, false, 'date')).toBe('1900-01-01');
    expect(serialToText(59, false, 'date')).toBe('1900-02-28');
    expect(serialToText(60, false, 'date')).toBe('1900-02-29');
    expect(serialToText(61, false, 'date')).toBe('1900-03-01');
    expect(serialToText(0, true, 'date')).toBe('1904-01-01');
    expect(serialToText(45000.99999999, false, 'datetime')).toBe('2023-03-16 00:00:00');
  });

  it('tells date formats from number formats', () => {
    for (const code of ['yyyy-mm-dd', 'd/m/yy', 'mmm yyyy', 'dd\\.mm\\.yyyy', '[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy']) expect(formatDateKind(code)).toBe('date');
    for (const code of ['hh:mm', 'h:mm:ss AM/PM', '[h]:mm:ss', 'mm:ss.0']) expect(formatDateKind(code)).toBe('time');
    expect(formatDateKind('yyyy-mm-dd hh:mm')).toBe('datetime');
    for (const code of ['General', '0.00', '#,##0', '0%', '0.00E+00', '"days "0', '@', '[Red]-0.0']) expect(formatDateKind(code)).toBeNull();
  });

  it('reads back a workbook it wrote: text kept as typed (a formula-like text is text), numbers, dates', () => {
    const bytes = writeXlsx('Risks', [
      ['Title', 'Score', 'Reviewed', 'Text'],
      ['=HYPERLINK("http://x")', 4, { day: '2026-03-31' }, 'a < b & "c"\nline two'],
      ['Old', null, { day: '1900-03-01' }, ''],
    ]);
    const parsed = parseXlsx(Buffer.from(bytes));
    expect(parsed.headers).toEqual(['Title', 'Score', 'Reviewed', 'Text']);
    expect(parsed.rows).toEqual([
      ['=HYPERLINK("http://x")', '4', '2026-03-31', 'a < b & "c"\nline two'],
      ['Old', '', '1900-03-01'],
    ]);
  });
});
