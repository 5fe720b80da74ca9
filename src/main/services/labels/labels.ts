/** Asset label sheets as PDF: tag, name and a QR code of the tag, for A4, Avery L7651 and Dymo 30252. */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { AppError } from '../../../shared/result';
import type { AssetFilter } from '../../../shared/api/assets';
import type { LabelLayout, LabelLayoutInfo } from '../../../shared/api/labels';
import { normaliseTag } from '../../../shared/assets/rules';
import { filterWhere } from '../assets/list';
import { MM, drawQr, fit, fitSize } from './pdf';

interface Layout extends LabelLayoutInfo {
  /** Page margins and gaps between labels (mm). */
  marginLeftMm: number;
  marginTopMm: number;
  gapXMm: number;
  gapYMm: number;
}

/** Dimensions from the manufacturers' templates. */
export const LAYOUTS: Record<LabelLayout, Layout> = {
  'a4-3x8': {
    id: 'a4-3x8',
    name: 'A4 sheet, 3 × 8 (70 × 37 mm)',
    pageWidthMm: 210,
    pageHeightMm: 297,
    labelWidthMm: 70,
    labelHeightMm: 37,
    columns: 3,
    rows: 8,
    perPage: 24,
    marginLeftMm: 0,
    marginTopMm: 0.5,
    gapXMm: 0,
    gapYMm: 0,
  },
  'avery-l7651': {
    id: 'avery-l7651',
    name: 'Avery L7651, 5 × 13 (38.1 × 21.2 mm)',
    pageWidthMm: 210,
    pageHeightMm: 297,
    labelWidthMm: 38.1,
    labelHeightMm: 21.2,
    columns: 5,
    rows: 13,
    perPage: 65,
    marginLeftMm: 4.7,
    marginTopMm: 10.7,
    gapXMm: 2.5,
    gapYMm: 0,
  },
  'dymo-30252': {
    id: 'dymo-30252',
    name: 'Dymo 30252 address roll (89 × 28 mm)',
    pageWidthMm: 89,
    pageHeightMm: 28,
    labelWidthMm: 89,
    labelHeightMm: 28,
    columns: 1,
    rows: 1,
    perPage: 1,
    marginLeftMm: 0,
    marginTopMm: 0,
    gapXMm: 0,
    gapYMm: 0,
  },
};

/** Office printers leave about 4–5 mm at the sheet's edges unprinted: nothing is drawn closer. */
export const SHEET_SAFE_MM = 5;

/**
 * Where a label's QR and text go, in points: the label inset by its padding and, on a sheet, kept
 * inside the printable area (the A4 3 × 8 sheet's outer labels run to the paper's edge). A roll
 * label is its own page, so only its padding applies.
 */
export function contentBox(L: Layout, pos: number): { left: number; right: number; top: number; bottom: number; pad: number } {
  const W = L.pageWidthMm * MM;
  const H = L.pageHeightMm * MM;
  const lh = L.labelHeightMm * MM;
  // Small labels have less room: padding, QR and type scale with the label height.
  const pad = Math.min(2.5 * MM, lh * 0.1);
  const safe = L.perPage > 1 ? SHEET_SAFE_MM * MM : 0;
  const col = pos % L.columns;
  const row = Math.floor(pos / L.columns);
  const x = (L.marginLeftMm + col * (L.labelWidthMm + L.gapXMm)) * MM;
  const top = H - (L.marginTopMm + row * (L.labelHeightMm + L.gapYMm)) * MM;
  return {
    left: Math.max(x + pad, safe),
    right: Math.min(x + L.labelWidthMm * MM - pad, W - safe),
    top: Math.min(top - pad, H - safe),
    bottom: Math.max(top - lh + pad, safe),
    pad,
  };
}

export function listLayouts(): LabelLayoutInfo[] {
  return Object.values(LAYOUTS).map(({ marginLeftMm: _l, marginTopMm: _t, gapXMm: _x, gapYMm: _y, ...info }) => info);
}

const MAX_LABELS = 5000;

interface LabelAsset {
  tag: string;
  name: string;
  serial: string | null;
}

function pickAssets(ctx: Ctx, input: { ids?: string[]; tags?: string[]; filter?: AssetFilter }): LabelAsset[] {
  const sqlite = ctx.store.sqlite;
  const out: LabelAsset[] = [];
  const missing: string[] = [];
  const byId = sqlite.prepare('SELECT tag, name, serial FROM assets WHERE id = ? AND deleted_hlc IS NULL');
  const byTag = sqlite.prepare('SELECT tag, name, serial FROM assets WHERE tag_key = ? AND deleted_hlc IS NULL');
  for (const id of input.ids ?? []) {
    const a = byId.get(id) as LabelAsset | undefined;
    if (a) out.push(a);
    else missing.push(id);
  }
  for (const t of input.tags ?? []) {
    const a = byTag.get(normaliseTag(t)) as LabelAsset | undefined;
    if (a) out.push(a);
    else missing.push(t);
  }
  if (missing.length) throw new AppError('invalid_input', `No asset for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`, [{ path: ['tags'], message: 'Unknown assets.' }]);
  if (input.filter) {
    const where: string[] = [];
    const args: unknown[] = [];
    filterWhere(ctx, input.filter, where, args);
    out.push(...(sqlite.prepare(`SELECT a.tag, a.name, a.serial FROM assets a WHERE ${where.join(' AND ')} ORDER BY a.tag_key LIMIT ?`).all(...args, MAX_LABELS + 1) as LabelAsset[]));
  }
  if (out.length > MAX_LABELS) throw new AppError('invalid_input', `That is more than ${MAX_LABELS} labels; narrow the selection.`);
  if (!out.length) throw new AppError('invalid_input', 'No assets match; there is nothing to print.');
  return out;
}

export async function renderLabels(
  ctx: Ctx,
  input: { layout: LabelLayout; ids?: string[]; tags?: string[]; filter?: AssetFilter; skip: number; caption?: string },
): Promise<{ filename: string; mime: string; content: string; encoding: 'base64'; rows: number; labels: number; pages: number }> {
  requireActor(ctx);
  const L = LAYOUTS[input.layout];
  const assets = pickAssets(ctx, input);
  const skip = Math.min(input.skip, L.perPage - 1);
  const doc = await PDFDocument.create();
  doc.setTitle(`Asset labels (${L.name})`);
  doc.setCreator('Outpost');
  doc.setCreationDate(ctx.clock.now());
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const W = L.pageWidthMm * MM;
  const H = L.pageHeightMm * MM;
  const lh = L.labelHeightMm * MM;
  const tagSize = Math.min(11, lh * 0.22);
  const nameSize = Math.min(8, lh * 0.16);
  let page = doc.addPage([W, H]);
  let pages = 1;
  for (let i = 0; i < assets.length; i++) {
    const slot = i + skip;
    const pos = slot % L.perPage;
    if (pos === 0 && slot > 0) {
      page = doc.addPage([W, H]);
      pages++;
    }
    const box = contentBox(L, pos);
    const x = box.left;
    const top = box.top;
    const qr = box.top - box.bottom;
    const a = assets[i]!;
    drawQr(page, a.tag, x, top, qr);
    const tx = x + qr + box.pad;
    const tw = box.right - tx;
    // The tag is what people read and type: it shrinks to fit rather than being cut.
    const ts = fitSize(bold, a.tag, tagSize, tw);
    page.drawText(fit(bold, a.tag, ts, tw), { x: tx, y: top - tagSize, size: ts, font: bold, color: rgb(0, 0, 0) });
    page.drawText(fit(regular, a.name, nameSize, tw), { x: tx, y: top - tagSize - nameSize * 1.4, size: nameSize, font: regular });
    if (a.serial && lh > 25 * MM) page.drawText(fit(regular, `S/N ${a.serial}`, nameSize, tw), { x: tx, y: top - tagSize - nameSize * 2.7, size: nameSize, font: regular });
    if (input.caption) page.drawText(fit(regular, input.caption, nameSize * 0.85, tw), { x: tx, y: box.bottom, size: nameSize * 0.85, font: regular, color: rgb(0.3, 0.3, 0.3) });
  }
  const bytes = await doc.save();
  const day = ctx.clock.now().toISOString().slice(0, 10);
  return { filename: `labels-${input.layout}-${day}.pdf`, mime: 'application/pdf', content: Buffer.from(bytes).toString('base64'), encoding: 'base64', rows: assets.length, labels: assets.length, pages };
}
