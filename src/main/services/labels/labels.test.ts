import { describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { LAYOUTS, SHEET_SAFE_MM, contentBox } from './labels';
import { MM, wrapText } from './pdf';

describe('label sheets', () => {
  it('keeps every label’s content inside the printable area of the sheet, the outer columns too', () => {
    for (const L of Object.values(LAYOUTS)) {
      const W = L.pageWidthMm * MM;
      const H = L.pageHeightMm * MM;
      const safe = L.perPage > 1 ? SHEET_SAFE_MM * MM : 0;
      for (let pos = 0; pos < L.perPage; pos++) {
        const b = contentBox(L, pos);
        expect(b.left, `${L.id} #${pos} left`).toBeGreaterThanOrEqual(safe - 1e-6);
        expect(W - b.right, `${L.id} #${pos} right`).toBeGreaterThanOrEqual(safe - 1e-6);
        expect(H - b.top, `${L.id} #${pos} top`).toBeGreaterThanOrEqual(safe - 1e-6);
        expect(b.bottom, `${L.id} #${pos} bottom`).toBeGreaterThanOrEqual(safe - 1e-6);
        // Still room for a scannable QR code (at least 12 mm) and the tag beside it.
        expect(b.top - b.bottom, `${L.id} #${pos} QR`).toBeGreaterThanOrEqual(12 * MM);
        expect(b.right - b.left - (b.top - b.bottom), `${L.id} #${pos} text`).toBeGreaterThan(10 * MM);
      }
    }
    // The A4 3 × 8 sheet's third column ends at the paper's edge; its text stops 5 mm short of it.
    const third = contentBox(LAYOUTS['a4-3x8'], 2);
    expect(Math.round((LAYOUTS['a4-3x8'].pageWidthMm * MM - third.right) / MM)).toBe(5);
  });
});

describe('wrapping text in PDFs', () => {
  it('breaks a long note into lines that fit, keeping every word and the note’s own line breaks', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const note =
      'Room 2.14 was locked during the first pass; the facilities manager opened it at 11:20 and the remaining scans were done then. ' +
      'Two docking stations have no tag at all and were recorded as unknown.\nSee \\\\fileserver\\audits\\2026\\north-wing\\photos-of-the-untagged-docking-stations-and-their-serials';
    const width = 140 * MM;
    const lines = wrapText(font, note, 9, width);
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(font.widthOfTextAtSize(l, 9)).toBeLessThanOrEqual(width);
    expect(lines.join(' ').replace(/\s+/g, '')).toBe(note.replace(/\s+/g, ''));
    // The note's line break starts a new line.
    expect(lines.some((l) => l.startsWith('See '))).toBe(true);
  });
});
