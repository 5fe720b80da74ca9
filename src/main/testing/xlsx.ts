/** A small Excel workbook built the way Excel writes one, for import tests. */
import { zipSync, strToU8 } from 'fflate';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
/** A number cell with a style: `s` indexes `formats` (given to workbook) plus one, style 0 being General. */
export type StyledNumber = { n: number; s: number };

/**
 * A workbook as Excel writes it: text in shared strings, numbers as values, the sheet found through
 * the workbook's relationships. `formats` lists the cell styles' number formats (a built-in id, or a
 * custom format code numbered from 164 as Excel does); `date1904` sets the workbook's date system.
 */
export function workbook(rows: (string | number | StyledNumber | null)[][], opts: { formats?: (number | string)[]; date1904?: boolean } = {}): Buffer {
  const shared: string[] = [];
  const col = (i: number) => String.fromCharCode(65 + i);
  const sheetRows = rows
    .map((r, ri) => {
      const cells = r
        .map((v, ci) => {
          if (v === null) return '';
          const ref = `${col(ci)}${ri + 1}`;
          if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
          if (typeof v === 'object') return `<c r="${ref}" s="${v.s}"><v>${v.n}</v></c>`;
          if (v.startsWith('inline:')) return `<c r="${ref}" t="inlineStr"><is><t>${esc(v.slice(7))}</t></is></c>`;
          shared.push(v);
          return `<c r="${ref}" t="s"><v>${shared.length - 1}</v></c>`;
        })
        .join('');
      return `<row r="${ri + 1}">${cells}</row>`;
    })
    .join('');
  const formats = opts.formats ?? [];
  const customs = formats.filter((f): f is string => typeof f === 'string');
  const numFmts = customs.map((code, i) => `<numFmt numFmtId="${164 + i}" formatCode="${esc(code).replace(/"/g, '&quot;')}"/>`).join('');
  const xfs = ['<xf numFmtId="0"/>', ...formats.map((f) => `<xf numFmtId="${typeof f === 'number' ? f : 164 + customs.indexOf(f)}" applyNumberFormat="1"/>`)].join('');
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    'xl/workbook.xml': strToU8(
      `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">${opts.date1904 ? '<workbookPr date1904="1"/>' : ''}<sheets><sheet name="Risks" sheetId="1" r:id="rId7"/></sheets></workbook>`,
    ),
    'xl/_rels/workbook.xml.rels': strToU8(
      '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="worksheet" Target="worksheets/register.xml"/></Relationships>',
    ),
    'xl/worksheets/register.xml': strToU8(`<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${sheetRows}</sheetData></worksheet>`),
    'xl/styles.xml': strToU8(
      `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${numFmts ? `<numFmts>${numFmts}</numFmts>` : ''}<cellStyleXfs><xf numFmtId="0"/></cellStyleXfs><cellXfs>${xfs}</cellXfs></styleSheet>`,
    ),
    'xl/sharedStrings.xml': strToU8(`<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${shared.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`),
  };
  return Buffer.from(zipSync(files));
}

