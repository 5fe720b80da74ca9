/**
 * Reads the first worksheet of an Excel workbook (.xlsx) as rows of text, the shape parseCsv gives:
 * the workbook is a zip (fflate, already used for evidence packs) of XML parts (fast-xml-parser,
 * already used for GLPI inventories). Shared and inline strings, numbers and booleans are read as
 * the text Excel stores; cells are placed by their reference, so skipped empty cells stay empty.
 * Formulas give their last computed value. A number whose cell is formatted as a date or a time (a
 * built-in date format or a custom one such as dd/mm/yyyy, read from the styles part) is read as the
 * date it shows, counted in the workbook's own date system (1900, with Excel's phantom 29 February
 * 1900, or 1904): 2026-03-31, 2026-03-31 14:05:00 or 14:05:00. A file that is not a workbook is
 * refused by name.
 */
import { strFromU8, strToU8, zipSync } from 'fflate';
import { unzipWithin, ZipLimitError } from '../../core/unzip';
import { XMLParser } from 'fast-xml-parser';
import type { ParsedCsv } from './csv';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', parseTagValue: false, trimValues: false, isArray: (name) => ['sheet', 'Relationship', 'si', 'r', 'row', 'c', 'numFmt', 'xf'].includes(name) });

type Node = Record<string, unknown>;
const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? String((v as Node)['#text'] ?? '') : String(v));

/** Column index (0-based) of a cell reference such as "AB12". */
function columnOf(ref: string): number {
  let n = 0;
  for (const ch of ref) {
    const c = ch.charCodeAt(0);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

/** A rich or plain string item (<si> or <is>): its text runs joined. */
function stringItem(si: Node | undefined): string {
  if (!si) return '';
  if (si.t !== undefined) return text(si.t);
  return ((si.r as Node[] | undefined) ?? []).map((r) => text(r.t)).join('');
}

export type DateKind = 'date' | 'datetime' | 'time';

/** Built-in number formats that show a date or a time (ECMA-376 part 1, 18.8.30, and the East Asian ones Excel uses). */
function builtinDateKind(id: number): DateKind | null {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) || (id >= 50 && id <= 58)) return 'date';
  if ((id >= 18 && id <= 21) || id === 32 || id === 33 || (id >= 45 && id <= 47)) return 'time';
  if (id === 22) return 'datetime';
  return null;
}

/**
 * Whether a custom format code shows a date, a time or both: its first section, without quoted text,
 * escaped characters, padding, colours and locales, holds day, month or year parts (d, m, y, e) or
 * hour and second parts (h, s; an "m" beside them is minutes).
 */
export function formatDateKind(code: string): DateKind | null {
  const first = code
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/[_*]./g, '')
    .replace(/\[(?![hms]+\])[^\]]*\]/gi, '')
    .split(';')[0]!;
  if (/general/i.test(first) || /[0#?]/.test(first.replace(/[hms][.:]?0+/gi, ''))) return null;
  const time = /[hs]|am\/pm|a\/p/i.test(first);
  const date = /[dye]/i.test(first) || (/m/i.test(first) && !time);
  return date && time ? 'datetime' : date ? 'date' : time ? 'time' : null;
}

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A date serial as the text it stands for. 1900 system: day 1 is 1900-01-01 and Excel counts a 29
 * February 1900 that never was (serial 60), so serials from 61 on are one day ahead of the calendar.
 * 1904 system: day 0 is 1904-01-01. The time of day is rounded to the second.
 */
export function serialToText(serial: number, date1904: boolean, kind: DateKind): string {
  const whole = Math.floor(serial);
  let ms = Math.round((serial - whole) * 86_400) * 1000;
  let day = whole;
  if (ms >= DAY_MS) {
    ms -= DAY_MS;
    day += 1;
  }
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 31);
  const d = new Date(epoch + (date1904 ? day : day >= 61 ? day - 1 : day === 60 ? 59 : day) * DAY_MS);
  const ymd = date1904 || day !== 60 ? d.toISOString().slice(0, 10) : '1900-02-29';
  const hms = `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}`;
  return kind === 'date' ? ymd : kind === 'time' ? hms : `${ymd} ${hms}`;
}

export class XlsxError extends Error {}

/** A worksheet of 200,000 rows of a dozen columns is well under these; a workbook that declares more is refused before anything is inflated. */
export const XLSX_MAX_PART_BYTES = 256 * 1024 * 1024;
export const XLSX_MAX_TOTAL_BYTES = 512 * 1024 * 1024;

export function isXlsx(bytes: Uint8Array): boolean {
  return bytes.length > 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function parseXlsx(bytes: Uint8Array, maxRows = 200_000): ParsedCsv {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipWithin(bytes, {
      take: (name) => name.startsWith('xl/') && (name.endsWith('.xml') || name.endsWith('.rels')),
      maxEntryBytes: XLSX_MAX_PART_BYTES,
      maxTotalBytes: XLSX_MAX_TOTAL_BYTES,
    });
  } catch (e) {
    if (e instanceof ZipLimitError) throw new XlsxError(e.message);
    throw new XlsxError('The file is not an Excel workbook (.xlsx): it could not be opened as one.');
  }
  const xml = (name: string): Node | null => (files[name] ? (parser.parse(strFromU8(files[name]!)) as Node) : null);
  const workbook = xml('xl/workbook.xml');
  const first = ((workbook?.workbook as Node | undefined)?.sheets as Node | undefined)?.sheet as Node[] | undefined;
  if (!first?.length) throw new XlsxError('The workbook has no worksheet.');
  const relId = String(first[0]!['@r:id'] ?? '');
  const rels = ((xml('xl/_rels/workbook.xml.rels')?.Relationships as Node | undefined)?.Relationship as Node[] | undefined) ?? [];
  const target = String(rels.find((r) => r['@Id'] === relId)?.['@Target'] ?? 'worksheets/sheet1.xml').replace(/^\/?xl\//, '').replace(/^\//, '');
  const sheet = xml(`xl/${target}`);
  if (!sheet) throw new XlsxError(`The workbook's first worksheet (${target}) is missing.`);
  const shared = (((xml('xl/sharedStrings.xml')?.sst as Node | undefined)?.si as Node[] | undefined) ?? []).map(stringItem);
  // Which cell styles show dates: cellXfs[s] names a number format, built in or listed in numFmts.
  const styles = xml('xl/styles.xml')?.styleSheet as Node | undefined;
  const custom = new Map<number, DateKind | null>();
  for (const f of ((styles?.numFmts as Node | undefined)?.numFmt as Node[] | undefined) ?? []) custom.set(Number(f['@numFmtId']), formatDateKind(String(f['@formatCode'] ?? '')));
  const styleKind = (((styles?.cellXfs as Node | undefined)?.xf as Node[] | undefined) ?? []).map((xf) => {
    const id = Number(xf['@numFmtId'] ?? 0);
    return custom.has(id) ? custom.get(id)! : builtinDateKind(id);
  });
  const pr = (workbook?.workbook as Node | undefined)?.workbookPr as Node | undefined;
  const date1904 = ['1', 'true'].includes(String(pr?.['@date1904'] ?? '').toLowerCase());
  const rowsXml = (((sheet.worksheet as Node | undefined)?.sheetData as Node | undefined)?.row as Node[] | undefined) ?? [];
  const grid: string[][] = [];
  for (const row of rowsXml) {
    const r = Number(row['@r'] ?? grid.length + 1) - 1;
    if (r >= maxRows + 1) throw new XlsxError(`The worksheet has more than ${maxRows} rows.`);
    const cells: string[] = [];
    let next = 0;
    for (const c of (row.c as Node[] | undefined) ?? []) {
      const ref = String(c['@r'] ?? '');
      const col = ref ? columnOf(ref) : next;
      next = col + 1;
      const type = String(c['@t'] ?? 'n');
      const v = text(c.v);
      const kind = type === 'n' && v !== '' ? styleKind[Number(c['@s'] ?? 0)] : null;
      cells[col] =
        type === 's'
          ? (shared[Number(v)] ?? '')
          : type === 'inlineStr'
            ? stringItem(c.is as Node)
            : type === 'b'
              ? v === '1'
                ? 'TRUE'
                : 'FALSE'
              : kind && Number.isFinite(Number(v))
                ? serialToText(Number(v), date1904, kind)
                : v;
    }
    grid[r] = Array.from(cells, (x) => x ?? '');
  }
  const all = Array.from(grid, (x) => x ?? []).filter((r, i) => i === 0 || r.some((v) => v.trim() !== ''));
  const [headers = [], ...rows] = all;
  const errors: ParsedCsv['errors'] = [];
  if (!headers.length || headers.every((h) => !h.trim())) errors.push({ row: 0, column: '', kind: 'header', message: 'The worksheet is empty or has no header row.' });
  return { headers: headers.map((h) => h.trim()), rows, delimiter: '', lineEnding: 'lf', errors };
}

/** A cell of a written workbook: text, a number, or a day (YYYY-MM-DD) written as a date cell. */
export type XlsxCell = string | number | { day: string } | null;

const xmlText = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // XML 1.0 cannot hold most control characters: drop them rather than write a workbook Excel refuses.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');

function columnName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** A day as a 1900-system serial, the inverse of serialToText (days from 1900-03-01 on). */
export function dayToSerial(day: string): number {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / DAY_MS);
}

/**
 * One worksheet as an .xlsx workbook that Excel, LibreOffice and this reader open: text as inline
 * strings (kept as typed, never read as a formula), numbers as numbers, days as date cells in the
 * yyyy-mm-dd format; the first row is bold and frozen.
 */
export function writeXlsx(sheetName: string, rows: XlsxCell[][]): Uint8Array {
  const out: string[] = [];
  rows.forEach((r, ri) => {
    const cells = r.map((v, ci) => {
      if (v === null || v === '') return '';
      const ref = `${columnName(ci)}${ri + 1}`;
      const bold = ri === 0 ? ' s="2"' : '';
      if (typeof v === 'number') return `<c r="${ref}"${bold}><v>${v}</v></c>`;
      if (typeof v === 'object') return `<c r="${ref}" s="1"><v>${dayToSerial(v.day)}</v></c>`;
      return `<c r="${ref}" t="inlineStr"${bold}><is><t xml:space="preserve">${xmlText(v)}</t></is></c>`;
    });
    out.push(`<row r="${ri + 1}">${cells.join('')}</row>`);
  });
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const files: Record<string, string> = {
    '[Content_Types].xml': `${head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
    '_rels/.rels': `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `${head}<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="${xmlText(sheetName.slice(0, 31)).replace(/"/g, '&quot;')}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${rel}/styles" Target="styles.xml"/></Relationships>`,
    'xl/styles.xml': `${head}<styleSheet ${ns}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>`,
    'xl/worksheets/sheet1.xml': `${head}<worksheet ${ns}><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>${out.join('')}</sheetData></worksheet>`,
  };
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
}
