/**
 * Importing the risk register on a real store: a CSV (semicolons, Windows-1252) and an Excel
 * workbook (built here as Excel writes one: shared strings, numbers, an inline string, a skipped
 * cell) give the same risks; levels come from the matrix grid, never from the file's level column;
 * one bad row refuses the whole file with each error named by row and column; a mapping renames
 * columns; a dry run previews and writes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor, Ctx } from '../core/context';
import { ensureDefaultMatrix } from '../grc/grc';
import { listRisks } from './risks';
import { importRisks } from './import';
import { parseXlsx } from '../assets/import/xlsx';
import { workbook } from '../../testing/xlsx';

let w: World;
let tech: Actor;
let ctx: Ctx;
beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'sam');
  ctx = w.ctx(tech, 'risks.import');
  ensureDefaultMatrix(w.ctx(w.admin));
});
afterEach(() => w.dispose());

const HEADER = ['Title', 'Inherent likelihood', 'Inherent impact', 'Inherent level', 'Current likelihood', 'Current impact', 'Treatment', 'Owner', 'Threats'];

describe('risk import', () => {
  it('reads an Excel workbook and derives every level from the matrix, never from the file', () => {
    const file = workbook([
      HEADER,
      ['Ransomware on the plant network', 4, 5, 'Low', 3, 'high', 'mitigate', 'sam', 'inline:Phishing & exposed RDP'],
      ['Flooding in the pump room', 'Very low', 2, null, null, null, null, null, null],
      [],
    ]);
    expect(parseXlsx(file).rows[1]).toEqual(['Flooding in the pump room', 'Very low', '2']);
    const dry = importRisks(ctx, { contentBase64: file.toString('base64'), dryRun: true });
    expect(dry).toMatchObject({ format: 'xlsx', rows: 2, errors: [], created: 0 });
    expect(dry.mapping).toMatchObject({ Title: 'title', 'Inherent likelihood': 'inherent_likelihood', 'Current impact': 'current_impact', Owner: 'owner' });
    expect(dry.notes[0]).toMatch(/"Inherent level" is not imported: a risk's level always comes from the matrix grid/);
    // grid of the 5×5 matrix: 4×5 is not "Low", whatever the file says.
    expect(dry.preview[0]!.inherent.level?.name).not.toBe('Low');
    expect(dry.preview[0]!.current).toMatchObject({ likelihood: 3, impact: 4 });
    expect(dry.preview[1]!.inherent).toMatchObject({ likelihood: 1, impact: 2 });
    expect(listRisks(ctx, { limit: 10, offset: 0 }).total).toBe(0);

    const done = importRisks(ctx, { contentBase64: file.toString('base64'), dryRun: false });
    expect(done).toMatchObject({ created: 2, numbers: { first: 'RSK-0001', last: 'RSK-0002' } });
    const [flood, ransom] = listRisks(ctx, { limit: 10, offset: 0 }).items;
    expect(ransom).toMatchObject({ title: 'Ransomware on the plant network', status: 'assessed', treatment: 'mitigate', ownerId: tech.id });
    expect(ransom!.inherent.level).toEqual(dry.preview[0]!.inherent.level);
    expect(flood!.inherent.level).toEqual(dry.preview[1]!.inherent.level);
    // Each risk is made through the one write path: history and ops as by hand.
    expect(w.store.sqlite.prepare("SELECT count(*) FROM pending_ops WHERE entity = 'risks'").pluck().get()).toBe(2);
    expect(w.store.sqlite.prepare('SELECT count(*) FROM risk_score_history').pluck().get()).toBe(3);
  });

  it('reads a Windows-1252 CSV with semicolons, and refuses the whole file for one bad row, naming each error', () => {
    const csv = ['Risk;Likelihood;Impact;Status;Owner;Review cadence', 'Défaut de sauvegarde;2;3;treating;Sam;90', 'Panne électrique;9;3;maybe;nobody;often', ';1;1;;;'].join('\r\n');
    const bytes = Buffer.from(csv, 'latin1');
    const r = importRisks(ctx, { contentBase64: bytes.toString('base64'), dryRun: false });
    expect(r.format).toBe('csv');
    expect(r.created).toBe(0);
    expect(r.errors).toEqual([
      { row: 2, column: 'Likelihood', message: 'Likelihood 9 is off the scale: it has 5 levels (1 to 5).' },
      { row: 2, column: 'Status', message: '"maybe" is not a status: use one of identified, assessed, treating, accepted, closed.' },
      { row: 2, column: 'Owner', message: 'No single person of the team is called "nobody" (a username or a display name).' },
      { row: 2, column: 'Review cadence', message: '"often" is not a number of days between 1 and 3660.' },
      { row: 3, column: 'Risk', message: 'Every risk needs a title.' },
    ]);
    expect(listRisks(ctx, { limit: 10, offset: 0 }).total).toBe(0);
    // The good row alone imports, accents intact.
    const ok = importRisks(ctx, { contentBase64: Buffer.from(csv.split('\r\n').slice(0, 2).join('\r\n'), 'latin1').toString('base64'), dryRun: false });
    expect(ok.created).toBe(1);
    expect(listRisks(ctx, { limit: 10, offset: 0 }).items[0]).toMatchObject({ title: 'Défaut de sauvegarde', status: 'treating', inherent: { likelihood: 2, impact: 3 } });
  });

  it('follows a mapping of the columns, and refuses a mapping of a column the file lacks', () => {
    const csv = 'Scenario,P,I,Notes\nSupplier outage,3,3,Single supplier\n';
    const none = importRisks(ctx, { content: csv, dryRun: true });
    expect(none.errors).toEqual([{ row: 0, column: '', kind: 'header', message: 'The header row has no column for title.' }]);
    const mapped = importRisks(ctx, { content: csv, mapping: { Scenario: 'title', P: 'residual_likelihood', I: 'residual_impact', Notes: 'description' }, dryRun: false });
    expect(mapped.created).toBe(1);
    expect(listRisks(ctx, { limit: 1, offset: 0 }).items[0]).toMatchObject({ title: 'Supplier outage', residual: { likelihood: 3, impact: 3 }, status: 'identified' });
    expect(() => importRisks(ctx, { content: csv, mapping: { Nope: 'title' }, dryRun: true })).toThrow('The mapping names a column the file does not have: "Nope".');
    expect(() => importRisks(w.ctx(w.user('auditor')), { content: csv, mapping: { Scenario: 'title' }, dryRun: false })).toThrow(/administrators and technicians/);
  });

  it('names a file that is not a workbook', () => {
    const notXlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('garbage')]);
    expect(() => importRisks(ctx, { contentBase64: notXlsx.toString('base64'), dryRun: true })).toThrow('The file is not an Excel workbook (.xlsx): it could not be opened as one.');
  });
});
