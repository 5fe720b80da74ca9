/**
 * Exporting the risk register: CSV and Excel give the columns the import reads, so a register
 * exported and imported into an empty store is the same register (numbers, titles, every text,
 * scores on their own matrices, owners, acceptance, last review, site); text a spreadsheet would run
 * as a formula is quoted in the CSV and comes back as typed; levels are written beside the scores.
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { FIXTURES } from '../assets/test-fixtures';
import { importLibrary, ensureDefaultMatrix } from '../grc/grc';
import { createRisk, getRisk, listRisks, reviewRisk } from './risks';
import { exportRisks } from './export';
import { importRisks } from './import';
import { parseXlsx } from '../assets/import/xlsx';

const worlds: World[] = [];
afterEach(() => worlds.splice(0).forEach((w) => w.dispose()));

/** A store with the same people and matrices as the other, and no risk. */
function store() {
  const w = makeWorld();
  worlds.push(w);
  const sam = w.user('technician', 'sam');
  const chief = w.user('admin', 'chief');
  ensureDefaultMatrix(w.ctx(w.admin));
  const m3 = importLibrary(w.ctx(w.admin), fs.readFileSync(path.join(FIXTURES, 'grc/risk-matrix-3x3-mult.yaml'), 'utf8')).id;
  return { w, sam, chief, m3 };
}

function register(w: World) {
  const ctx = w.ctx(w.admin, 'risks.list');
  return listRisks(ctx, { limit: 500, offset: 0 })
    .items.map((r) => getRisk(ctx, r.id))
    .map((r) => ({
      number: r.number,
      title: r.title,
      description: r.description,
      category: r.category,
      status: r.status,
      treatment: r.treatment,
      owner: r.ownerName,
      matrixId: r.matrixId,
      site: w.store.sqlite.prepare('SELECT name FROM sites WHERE id = ?').pluck().get(r.siteId),
      inherent: r.inherent,
      current: r.current,
      residual: r.residual,
      threats: r.threats,
      vulnerabilities: r.vulnerabilities,
      existingControls: r.existingControls,
      reviewEveryDays: r.reviewEveryDays,
      lastReviewedOn: r.lastReviewedOn,
      acceptance: { approver: r.acceptance.approverName, justification: r.acceptance.justification, expiresOn: r.acceptance.expiresOn },
    }));
}

describe('risk export', () => {
  it('exports CSV and Excel that import into an empty store as the same register', () => {
    const a = store();
    const ctx = a.w.ctx(a.sam, 'risks.create');
    createRisk(ctx, {
      title: '=HYPERLINK("http://evil.example","Click")',
      description: 'Line one, with a comma\n"Quoted" line two\n+ plus line',
      category: '@ops',
      ownerId: a.sam.id,
      inherent: { likelihood: 5, impact: 4 },
      current: { likelihood: 3, impact: 4 },
      residual: { likelihood: 2, impact: 2 },
      threats: '-1 day exploit',
      vulnerabilities: 'CVE-2024-3400 on fw-01',
      existingControls: 'Patching monthly',
      treatment: 'mitigate',
      reviewEveryDays: 90,
    });
    const accepted = createRisk(ctx, {
      title: 'Legacy SCADA cannot be patched',
      matrixId: a.m3,
      status: 'accepted',
      treatment: 'accept',
      inherent: { likelihood: 2, impact: 3 },
      acceptance: { approverId: a.chief.id, justification: 'Isolated network; replacement in 2027.', expiresOn: '2026-12-31' },
    });
    reviewRisk(a.w.ctx(a.sam, 'risks.review'), accepted.id, undefined);
    createRisk(ctx, { title: 'Flooding in the pump room 🌊' });
    const before = register(a.w);
    expect(before).toHaveLength(3);

    const csv = exportRisks(a.w.ctx(a.w.admin), { format: 'csv', filter: {} });
    expect(csv).toMatchObject({ rows: 3, mime: 'text/csv', encoding: 'utf-8', filename: 'risks-2026-03-02.csv' });
    const parsed = Papa.parse<string[]>(csv.content.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
    const [header, first] = parsed;
    const col = (name: string) => first![header!.indexOf(name)];
    // Formula-like text is quoted for spreadsheets; scores are positions with the level beside them.
    expect(col('Title')).toBe('\'=HYPERLINK("http://evil.example","Click")');
    expect(col('Category')).toBe("'@ops");
    expect(col('Threats')).toBe("'-1 day exploit");
    expect([col('Inherent likelihood'), col('Inherent impact'), col('Inherent level')]).toEqual(['5', '4', before.find((r) => r.number === 'RSK-0001')!.inherent.level!.name]);
    expect([col('Number'), col('Owner'), col('Site'), col('Review every (days)')]).toEqual(['RSK-0001', 'sam', 'Head Office', '90']);

    const xlsx = exportRisks(a.w.ctx(a.w.admin), { format: 'xlsx', filter: {} });
    expect(xlsx).toMatchObject({ rows: 3, encoding: 'base64', filename: 'risks-2026-03-02.xlsx' });
    const sheet = parseXlsx(Buffer.from(xlsx.content, 'base64'));
    expect(sheet.headers).toEqual(header);
    expect(sheet.rows[1]![sheet.headers.indexOf('Last reviewed on')]).toBe('2026-03-02');
    expect(sheet.rows[1]![sheet.headers.indexOf('Acceptance expires on')]).toBe('2026-12-31');

    for (const file of [{ content: csv.content }, { contentBase64: xlsx.content }]) {
      const b = store();
      const done = importRisks(b.w.ctx(b.sam, 'risks.import'), { ...file, dryRun: false });
      expect(done.errors).toEqual([]);
      expect(done.notes.join(' ')).toMatch(/"Number" is not imported: each risk gets the register's next number/);
      expect(done.created).toBe(3);
      expect(register(b.w)).toEqual(before);
    }
  });

  it('exports what a filter selects, and an auditor may export', () => {
    const a = store();
    const ctx = a.w.ctx(a.sam, 'risks.create');
    createRisk(ctx, { title: 'Open one', treatment: 'mitigate' });
    createRisk(ctx, { title: 'Transferred one', treatment: 'transfer' });
    const out = exportRisks(a.w.ctx(a.w.user('auditor')), { format: 'csv', filter: { treatment: 'transfer' } });
    expect(out.rows).toBe(1);
    expect(out.content).toContain('Transferred one');
    expect(out.content).not.toContain('Open one');
  });

  it('refuses an accepted risk without approver or justification, and a date it cannot read, naming row and column', () => {
    const a = store();
    const csv = 'Title,Status,Acceptance approver,Last reviewed on\nA,accepted,,\nB,assessed,,31/03/2026\n';
    const r = importRisks(a.w.ctx(a.sam, 'risks.import'), { content: csv, dryRun: false });
    expect(r.created).toBe(0);
    expect(r.errors).toEqual([
      { row: 1, column: 'Status', message: 'An accepted risk needs an approver and a justification (the Acceptance approver and Acceptance justification columns).' },
      { row: 2, column: 'Last reviewed on', message: '"31/03/2026" is not a date: write it as 2026-03-31 (year, month, day), or use a date cell in a workbook.' },
    ]);
  });
});
