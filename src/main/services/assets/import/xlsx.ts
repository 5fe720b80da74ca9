/**
 * Reads the first worksheet of an Excel workbook (.xlsx) as rows of text, the shape parseCsv gives:
 * the workbook is a zip (fflate, already used for evidence packs) of XML parts (fast-xml-parser,
 * already used for GLPI inventories). Shared and inline strings, numbers and booleans are read as
 * the text Excel stores; cells are placed by their reference, so skipped empty cells stay empty.
 * Formulas give their last computed value. A file that is not a workbook is refused by name.
 */
import { strFromU8 } from 'fflate';
import { unzipWithin, ZipLimitError } from '../../core/unzip';
import { XMLParser } from 'fast-xml-parser';
import type { ParsedCsv } from './csv';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', parseTagValue: false, trimValues: false, isArray: (name) => ['sheet', 'Relationship', 'si', 'r', 'row', 'c'].includes(name) });

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
      cells[col] = type === 's' ? (shared[Number(v)] ?? '') : type === 'inlineStr' ? stringItem(c.is as Node) : type === 'b' ? (v === '1' ? 'TRUE' : 'FALSE') : v;
    }
    grid[r] = Array.from(cells, (x) => x ?? '');
  }
  const all = Array.from(grid, (x) => x ?? []).filter((r, i) => i === 0 || r.some((v) => v.trim() !== ''));
  const [headers = [], ...rows] = all;
  const errors: ParsedCsv['errors'] = [];
  if (!headers.length || headers.every((h) => !h.trim())) errors.push({ row: 0, column: '', kind: 'header', message: 'The worksheet is empty or has no header row.' });
  return { headers: headers.map((h) => h.trim()), rows, delimiter: '', lineEnding: 'lf', errors };
}
