/** Small pdf-lib helpers shared by label sheets and audit reports. */
import QRCode from 'qrcode';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

export const MM = 72 / 25.4;

/** A new report document made by Outpost, with the three fonts reports use. */
export async function reportDocument(title: string, created: Date): Promise<{ doc: PDFDocument; bold: PDFFont; font: PDFFont; mono: PDFFont }> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setCreator('Outpost');
  doc.setCreationDate(created);
  return { doc, bold: await doc.embedFont(StandardFonts.HelveticaBold), font: await doc.embedFont(StandardFonts.Helvetica), mono: await doc.embedFont(StandardFonts.Courier) };
}

/** The standard fonts speak WinAnsi only: anything else would throw, so it becomes "?". */
export function winAnsi(s: string): string {
  return s.normalize('NFC').replace(/[^\x20-\x7e\u00a0-\u00ff\u20ac\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u203a]/g, '?');
}

/** Shortens text with an ellipsis to fit `width` points. */
export function fit(font: PDFFont, text: string, size: number, width: number): string {
  let t = winAnsi(text);
  if (font.widthOfTextAtSize(t, size) <= width) return t;
  while (t.length > 1 && font.widthOfTextAtSize(t + '…', size) > width) t = t.slice(0, -1);
  return t + '…';
}

/** A QR code as one SVG path of unit squares (one drawing op instead of hundreds of rectangles). */
export function qrPath(text: string): { path: string; size: number } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const parts: string[] = [];
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      if (!qr.modules.get(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && qr.modules.get(r, c)) c++;
      parts.push(`M${start} ${r}h${c - start}v1h${start - c}z`);
    }
  }
  return { path: parts.join(''), size: n };
}

/** Draws a QR code with its top-left corner at (x, top) in page coordinates, `side` points wide. */
export function drawQr(page: PDFPage, text: string, x: number, top: number, side: number): void {
  const { path, size } = qrPath(text);
  page.drawSvgPath(path, { x, y: top, scale: side / size, color: rgb(0, 0, 0), borderWidth: 0 });
}

/** The largest size up to `max` at which the whole text fits `width` (never below `min`). */
export function fitSize(font: PDFFont, text: string, max: number, width: number, min = 4.5): number {
  const w = font.widthOfTextAtSize(winAnsi(text), max);
  // A hair under the exact fit, so rounding never tips it into an ellipsis.
  return w <= width ? max : Math.max(min, (max * width * 0.98) / w);
}

/**
 * Breaks text into lines no wider than `width` points: at spaces where it can, inside a word only
 * when the word alone is too wide (a long path or hash). Line breaks in the text are kept.
 */
export function wrapText(font: PDFFont, text: string, size: number, width: number): string[] {
  const fits = (t: string) => font.widthOfTextAtSize(t, size) <= width;
  const lines: string[] = [];
  for (const para of text.replace(/\r\n?/g, '\n').split('\n')) {
    let line = '';
    for (const word of winAnsi(para).split(/[ \t]+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (fits(next)) {
        line = next;
        continue;
      }
      if (line) lines.push(line);
      let rest = word;
      while (!fits(rest)) {
        let n = rest.length - 1;
        while (n > 1 && !fits(rest.slice(0, n))) n--;
        lines.push(rest.slice(0, n));
        rest = rest.slice(n);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}
