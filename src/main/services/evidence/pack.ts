/**
 * Evidence packs: one zip for an assessment or for the risk register, holding report.pdf (scope,
 * method, results per requirement, findings, heat map), a CSV of every record in it, the evidence
 * files themselves and manifest.json with each file's SHA-256 and the audit-chain head. The export
 * is itself recorded in the audit trail with the manifest's SHA-256, so a pack can later be matched
 * to the trail that produced it.
 *
 * A pack of a thousand requirements and hundreds of photos is tens of megabytes of hashing and
 * zipping, in the process that answers every other call: the export reads its records at once (one
 * consistent snapshot) and then builds the pack in steps that give the event loop back every
 * PACK_TUNING.stepMs (the audit chain a page at a time, the report a few results at a time, files hashed and
 * zipped a chunk at a time), so the console stays responsive while it runs.
 */
import { createHash } from 'node:crypto';
import Papa from 'papaparse';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Ctx } from '../core/context';
import { nowIso } from '../core/context';
import { requireActor, write } from '../core/write';
import { verifyChainInSteps } from '../core/audit';
import { AppError } from '../../../shared/result';
import type { ExportFile } from '../../../shared/api/assets';
import type { PackKind } from '../../../shared/api/evidence';
import { csvSafe } from '../assets/list';
import { MM, fit, reportDocument, winAnsi, wrapText } from '../labels/pdf';
import { blobStoreOf, sha256Hex } from './blobs';
import { MANIFEST, PACK_FORMAT, type PackManifest } from './pack-verify';
import { collectPack, type PackContent } from './pack-content';

export type PackExport = ExportFile & { files: number; missingEvidence: number; chainHead: string | null };

/** How long a step of the export may hold the event loop before it lets other work run (tests lower it). */
export const PACK_TUNING = { stepMs: 15 };
/** Bytes hashed, stored or encoded between two looks at the clock; deflating is slower, so its chunks are smaller. */
const CHUNK = 1 << 20;
const DEFLATE_CHUNK = 1 << 18;

/** A pause that lets timers, I/O and other calls run once the step has used its time. */
export function stepper(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < PACK_TUNING.stepMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

async function sha256InSteps(bytes: Uint8Array, pause: () => Promise<void>): Promise<string> {
  const h = createHash('sha256');
  for (let i = 0; i < bytes.length; i += CHUNK) {
    h.update(bytes.subarray(i, i + CHUNK));
    await pause();
  }
  return h.digest('hex');
}

/** The zip, an entry and a chunk at a time (stored evidence, deflated records and report). */
async function zipInSteps(entries: [string, Uint8Array][], mtime: Date, pause: () => Promise<void>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let failed: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failed = err;
    else parts.push(chunk);
  });
  for (const [name, bytes] of entries) {
    // Evidence files are mostly photos and PDFs, already compressed: stored, not deflated again.
    const stored = name.startsWith('evidence/');
    const file = stored ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 6 });
    const step = stored ? CHUNK : DEFLATE_CHUNK;
    file.mtime = mtime;
    zip.add(file);
    if (!bytes.length) file.push(bytes, true);
    for (let i = 0; i < bytes.length; i += step) {
      file.push(bytes.subarray(i, i + step), i + step >= bytes.length);
      await pause();
    }
    if (failed) throw failed;
  }
  zip.end();
  if (failed) throw failed;
  return Buffer.concat(parts);
}

async function base64InSteps(bytes: Uint8Array, pause: () => Promise<void>): Promise<string> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  // A multiple of 3 bytes per slice, so the slices' encodings join without padding in between.
  const slice = 3 * (CHUNK / 2);
  for (let i = 0; i < buf.length; i += slice) {
    out.push(buf.subarray(i, i + slice).toString('base64'));
    await pause();
  }
  return out.join('');
}

function csvOf(ctx: Ctx, table: string, rows: Record<string, unknown>[]): string {
  // An empty table still says which columns it would have held.
  const fields = rows.length
    ? Object.keys(rows[0]!)
    : (ctx.store.sqlite.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).filter(
        (c) => c !== 'field_hlc' && c !== 'deleted_hlc',
      );
  return `\uFEFF${Papa.unparse({ fields, data: rows.map((r) => fields.map((f) => csvSafe(r[f]))) }, { newline: '\r\n' })}\r\n`;
}

/** Zip entry names: plain, short, no folders from the file name, unique. */
function entryName(used: Set<string>, sha: string, fileName: string): string {
  // Path separators, characters Windows refuses and control characters become "_".
  const clean =
    [...fileName]
      .map((ch) => (ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
      .join('')
      .replace(/^\.+/, '_')
      .slice(-120) || 'file';
  let name = `evidence/${sha.slice(0, 12)}-${clean}`;
  for (let i = 2; used.has(name); i++) name = `evidence/${sha.slice(0, 12)}-${i}-${clean}`;
  used.add(name);
  return name;
}

async function reportPdf(
  ctx: Ctx,
  c: PackContent,
  chain: PackManifest['chain'],
  evidenceFiles: number,
  missing: number,
  pause: () => Promise<void>,
): Promise<Uint8Array> {
  const { doc, bold, font, mono } = await reportDocument(winAnsi(c.title), ctx.clock.now());
  const W = 210 * MM;
  const H = 297 * MM;
  const left = 15 * MM;
  const width = W - 30 * MM;
  let page: PDFPage = doc.addPage([W, H]);
  let y = H - 20 * MM;
  let pageNo = 1;
  const footer = () =>
    page.drawText(winAnsi(`${c.title} - page ${pageNo} - audit-chain head ${chain.head ?? 'n/a'}`), {
      x: left,
      y: 10 * MM,
      size: 6.5,
      font: mono,
      color: rgb(0.35, 0.35, 0.35),
    });
  const need = (h: number) => {
    if (y - h >= 18 * MM) return;
    footer();
    page = doc.addPage([W, H]);
    pageNo++;
    y = H - 20 * MM;
  };
  const para = (t: string, size = 9, f: PDFFont = font, indent = 0) => {
    for (const line of wrapText(f, t, size, width - indent)) {
      need(size * 0.5 * MM + 4 * MM);
      page.drawText(line, { x: left + indent, y, size, font: f });
      y -= size * 0.42 * MM + 1.2 * MM;
    }
  };
  const heading = (t: string) => {
    y -= 3 * MM;
    need(14 * MM);
    page.drawText(winAnsi(t), { x: left, y, size: 12, font: bold });
    y -= 6 * MM;
  };
  page.drawText(fit(bold, c.title, 16, width), { x: left, y, size: 16, font: bold });
  y -= 9 * MM;
  const facts: [string, string][] = [
    ['Scope', c.scope],
    ['Exported', `${nowIso(ctx).replace('T', ' ').slice(0, 16)} UTC by ${ctx.actor?.displayName ?? 'unknown'}`],
    [
      'Evidence files',
      `${evidenceFiles} in this pack${missing ? `, ${missing} not yet downloaded to the exporting device (listed in manifest.json)` : ''}`,
    ],
    [
      'Audit trail',
      chain.valid ? `${chain.length} events, head ${chain.head ?? 'none'}` : 'BROKEN: the trail on the exporting device does not verify',
    ],
  ];
  for (const [k, v] of facts) {
    need(5 * MM);
    page.drawText(winAnsi(k), { x: left, y, size: 9, font: bold });
    const lines = wrapText(k === 'Audit trail' ? mono : font, v, k === 'Audit trail' ? 7 : 9, width - 35 * MM);
    lines.forEach((line, i) => {
      if (i) y -= 4 * MM;
      page.drawText(line, { x: left + 35 * MM, y, size: k === 'Audit trail' ? 7 : 9, font: k === 'Audit trail' ? mono : font });
    });
    y -= 5 * MM;
  }
  heading('Method');
  para(c.method);
  for (const s of c.summary) {
    heading(s.heading);
    for (const line of s.lines) para(line);
  }
  if (c.heatMaps.length) {
    heading('Heat map');
    for (const hm of c.heatMaps) {
      const n = hm.grid.length;
      const m = hm.grid[0]?.length ?? 0;
      const cell = Math.min(14 * MM, (width - 20 * MM) / Math.max(1, m));
      need(n * cell + 14 * MM);
      page.drawText(winAnsi(hm.label), { x: left, y, size: 9, font: bold });
      y -= 4 * MM;
      const top = y;
      for (let p = 0; p < n; p++) {
        for (let i = 0; i < m; i++) {
          const g = hm.grid[n - 1 - p]![i]!;
          const x = left + 12 * MM + i * cell;
          const yy = top - (p + 1) * cell;
          page.drawRectangle({
            x,
            y: yy,
            width: cell - 1,
            height: cell - 1,
            color: g.color,
            borderColor: rgb(0.5, 0.5, 0.5),
            borderWidth: 0.3,
          });
          if (g.count) page.drawText(String(g.count), { x: x + cell / 2 - 3, y: yy + cell / 2 - 3, size: 9, font: bold });
        }
        page.drawText(winAnsi(String(n - p)), { x: left + 8 * MM, y: top - (p + 1) * cell + cell / 2 - 3, size: 7, font });
      }
      y = top - n * cell - 4 * MM;
      page.drawText(winAnsi('likelihood (up) x impact (right)'), { x: left + 12 * MM, y, size: 7, font });
      y -= 7 * MM;
    }
  }
  heading(`Results (${c.results.length})`);
  if (!c.results.length) para('No requirement results in this pack.');
  for (const r of c.results) {
    await pause();
    need(8 * MM);
    page.drawText(fit(bold, r.ref, 8, 28 * MM), { x: left, y, size: 8, font: bold });
    page.drawText(fit(font, r.result, 8, 28 * MM), { x: left + 30 * MM, y, size: 8, font });
    page.drawText(fit(font, r.text, 8, width - 62 * MM), { x: left + 60 * MM, y, size: 8, font });
    y -= 4 * MM;
    if (r.observation) para(r.observation, 7.5, font, 60 * MM);
  }
  heading(`Findings (${c.findings.length})`);
  if (!c.findings.length) para('No findings.');
  for (const f of c.findings) {
    await pause();
    para(
      `${String(f.severity).toUpperCase()} ${String(f.kind).replace('_', '-')}: ${String(f.title)} (${String(f.status)}${f.due_date ? `, due ${String(f.due_date)}` : ''}${f.ticket ? `, ticket ${String(f.ticket)}` : ''})`,
      8.5,
      bold,
    );
    if (f.description) para(String(f.description), 8, font, 4 * MM);
  }
  footer();
  // pdf-lib writes objectsPerTick objects, then waits for the next tick.
  return doc.save({ objectsPerTick: 20 });
}

/**
 * The pack's report alone (report.pdf: scope, method, results per requirement, findings, heat map)
 * with the records it was made from: what the Reports screen offers for an assessment or the risk
 * register without building the zip. `chain`: the trail as the caller already verified it.
 */
export async function packReport(ctx: Ctx, kind: PackKind, id: string | undefined, chain: PackManifest['chain']): Promise<{ pdf: Uint8Array; content: PackContent }> {
  requireActor(ctx);
  const content = collectPack(ctx, kind, id);
  const pause = stepper();
  const evidence = content.tables.evidence ?? [];
  return { pdf: await reportPdf(ctx, content, chain, new Set(evidence.map((e) => String(e.sha256))).size, 0, pause), content };
}

export async function exportPack(ctx: Ctx, input: { kind: PackKind; id?: string }): Promise<PackExport> {
  const actor = requireActor(ctx);
  if (actor.role === 'requester') throw new AppError('forbidden', 'Requesters cannot export evidence packs.');
  const content = collectPack(ctx, input.kind, input.id);
  const pause = stepper();
  const tip = await verifyChainInSteps(ctx.store.sqlite, pause);
  const chain = { head: tip.valid ? tip.head : null, length: tip.count, valid: tip.valid };
  const blobs = blobStoreOf(ctx.store);
  const entries: Record<string, Uint8Array> = {};
  const hashes = new Map<string, string>();
  const used = new Set<string>();
  const missingEvidence: PackManifest['missingEvidence'] = [];
  const evidenceRows = content.tables.evidence ?? [];
  const packed = new Map<string, string>();
  for (const e of evidenceRows) {
    const sha = String(e.sha256);
    if (packed.has(sha)) {
      e.pack_entry = packed.get(sha)!;
      continue;
    }
    await pause();
    const bytes = blobs.read(sha);
    // A file whose bytes no longer match its name is not packed as if it were the evidence.
    if (!bytes || (await sha256InSteps(bytes, pause)) !== sha) {
      missingEvidence.push({ id: String(e.id), fileName: String(e.file_name), sha256: sha });
      e.pack_entry = '';
      continue;
    }
    const name = entryName(used, sha, String(e.file_name));
    entries[name] = bytes;
    hashes.set(name, sha);
    packed.set(sha, name);
    e.pack_entry = name;
  }
  for (const [table, rows] of Object.entries(content.tables)) {
    await pause();
    entries[`records/${table}.csv`] = new TextEncoder().encode(csvOf(ctx, table, rows));
  }
  entries['report.pdf'] = await reportPdf(ctx, content, chain, packed.size, missingEvidence.length, pause);
  const files: PackManifest['files'] = [];
  for (const [path, b] of Object.entries(entries)) files.push({ path, sha256: hashes.get(path) ?? (await sha256InSteps(b, pause)), size: b.length });
  const manifest: PackManifest = {
    format: PACK_FORMAT,
    kind: input.kind,
    title: content.title,
    exportedAt: nowIso(ctx),
    exportedBy: actor.username,
    chain,
    files: files.sort((a, b) => a.path.localeCompare(b.path)),
    missingEvidence,
  };
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  entries[MANIFEST] = manifestBytes;
  const zip = await zipInSteps(Object.entries(entries), new Date(manifest.exportedAt), pause);
  write(ctx, (w) =>
    w.audit('evidence_pack', input.id ?? null, null, {
      kind: input.kind,
      title: content.title,
      manifestSha256: sha256Hex(manifestBytes),
      files: manifest.files.length,
      chainHead: chain.head,
    }),
  );
  const base = content.fileBase.replace(/[^\w.-]+/g, '-').toLowerCase();
  return {
    filename: `${base}-${manifest.exportedAt.slice(0, 10)}.zip`,
    mime: 'application/zip',
    content: await base64InSteps(zip, pause),
    encoding: 'base64',
    rows: manifest.files.length,
    files: packed.size,
    missingEvidence: missingEvidence.length,
    chainHead: chain.head,
  };
}
