/**
 * Issue 11's interface over the real browser host: an administrator imports NIST CSF 2.0 and the 5×5
 * matrix, a technician raises a risk whose level comes from the grid, an auditor runs an assessment
 * (start, assess by ref_id, progress); requesters receive none of it and auditors write no risk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import { FIXTURES } from '../assets/test-fixtures';

let t: TestHost;
const tokens: Record<string, string> = {};
const post = <T = Record<string, unknown>>(name: string, input: unknown, token?: string) => t.post<T>(name, input, token);
const ok = <T = Record<string, unknown>>(name: string, input: unknown, token?: string) => t.ok<T>(name, input, token);
const lib = (f: string) => fs.readFileSync(path.join(FIXTURES, 'grc', f), 'utf8');

beforeAll(async () => {
  t = await startTestHost({ people: { tech: 'technician', auditor: 'auditor', requester: 'requester' } });
  Object.assign(tokens, t.tokens);
});
afterAll(async () => {
  await t?.close();
});

describe('GRC over HTTP', () => {
  it('imports, scores a risk on the grid, and runs an assessment', async () => {
    const nistDoc = parse(lib('nist-csf-2.0.yaml')) as { objects: { framework: { requirement_nodes: { assessable?: boolean }[] } } };
    const fw = await ok<{ kind: string; id: string; name: string; requirements: number; assessable: number }>(
      'grc.importLibrary',
      { content: lib('nist-csf-2.0.yaml') },
      tokens.admin,
    );
    expect(fw).toMatchObject({
      kind: 'framework',
      name: 'NIST CSF v2.0',
      requirements: nistDoc.objects.framework.requirement_nodes.length,
      assessable: nistDoc.objects.framework.requirement_nodes.filter((n) => n.assessable).length,
    });
    const m = await ok<{ kind: string; id: string }>('grc.importLibrary', { content: lib('critical_risk_matrix_5x5.yaml') }, tokens.admin);
    expect(m.kind).toBe('risk_matrix');

    const risk = await ok<{
      id: string;
      number: string;
      inherent: { likelihood: number; impact: number; level: { abbreviation: string; name: string } };
    }>('risks.create', { title: 'Unpatched HMI', matrixId: m.id, inherent: { likelihood: 4, impact: 3 } }, tokens.tech);
    // grid[3][2] of the 5×5 matrix is 2: Medium.
    expect(risk).toMatchObject({
      number: 'RSK-0001',
      inherent: { likelihood: 4, impact: 3, level: { abbreviation: 'M', name: 'Medium' } },
    });
    expect((await ok<{ items: { id: string }[]; total: number }>('risks.list', {}, tokens.auditor)).items.map((r) => r.id)).toEqual([
      risk.id,
    ]);

    const started = await ok<{ id: string; total: number }>('assessments.start', { frameworkId: fw.id }, tokens.auditor);
    expect(started.total).toBe(fw.assessable);
    await ok('assessments.assess', { assessmentId: started.id, ref: 'GV.OC-01', result: 'compliant', score: 4 }, tokens.auditor);
    await ok(
      'assessments.assess',
      { assessmentId: started.id, ref: 'ID.AM-01', result: 'partially_compliant', observation: 'Inventory misses the PLCs' },
      tokens.auditor,
    );
    const got = await ok<{ progress: { assessed: number; total: number } }>('assessments.get', { id: started.id }, tokens.auditor);
    expect(got.progress).toMatchObject({ assessed: 2, total: fw.assessable });

    const badScore = await post(
      'assessments.assess',
      { assessmentId: started.id, ref: 'GV.OC-01', result: 'compliant', score: 9 },
      tokens.auditor,
    );
    expect(badScore.status).toBe(400);
    expect(badScore.body.error!.message).toMatch(/9 is not one of them/);
  });

  it('treats a risk with a control that a ticket implements, reviews it, and closes an assessment', async () => {
    // The shipped 5×5 matrix is the same record as the fixture library imported above.
    const matrix = await ok<{ id: string; name: string }>('grc.useDefaultMatrix', {}, tokens.admin);
    expect(matrix.name).toBe('critical 5x5');
    const risk = await ok<{ id: string }>(
      'risks.create',
      { title: 'Flooded server room', matrixId: matrix.id, inherent: { likelihood: 2, impact: 5 } },
      tokens.tech,
    );

    const control = await ok<{ id: string; status: string }>(
      'controls.create',
      { name: 'Raised floor and water sensors', status: 'planned' },
      tokens.tech,
    );
    const linked = await ok<{ controls: { id: string; status: string }[] }>(
      'risks.link',
      { id: risk.id, kind: 'control', targetId: control.id },
      tokens.tech,
    );
    expect(linked.controls).toEqual([expect.objectContaining({ id: control.id, status: 'planned' })]);
    // The control's status shows on the risk it treats.
    expect((await ok<{ status: string }>('controls.update', { id: control.id, status: 'active' }, tokens.tech)).status).toBe('active');
    expect((await ok<{ controls: { status: string }[] }>('risks.get', { id: risk.id }, tokens.auditor)).controls[0]!.status).toBe('active');

    const ticket = await ok<{ id: string; number: string }>(
      'tickets.create',
      { type: 'request', title: 'Install water sensors', impact: 3, urgency: 3 },
      tokens.tech,
    );
    await ok('controls.linkTicket', { id: control.id, ticketId: ticket.id }, tokens.tech);
    const got = await ok<{ risks: number; tickets: { number: string }[] }>('controls.get', { id: control.id }, tokens.auditor);
    expect(got).toMatchObject({ risks: 1, tickets: [{ number: ticket.number }] });

    // grid[1][4] of the 5×5 matrix: the heat map counts the risk in that inherent cell.
    const map = await ok<{ matrixId: string; counts: Record<string, number[][]> }>(
      'risks.heatmap',
      { matrixId: matrix.id },
      tokens.auditor,
    );
    expect(map.counts.inherent![1]![4]).toBe(1);

    const reviewed = await ok<{ lastReviewedOn: string | null }>('risks.review', { id: risk.id, note: 'Sensors tested' }, tokens.tech);
    expect(reviewed.lastReviewedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const fw = (await ok<{ items: { id: string }[] }>('grc.frameworks', {}, tokens.auditor)).items[0]!;
    const started = await ok<{ id: string }>('assessments.start', { frameworkId: fw.id }, tokens.auditor);
    const done = await ok<{ name: string; status: string }>(
      'assessments.update',
      { id: started.id, name: 'Plant A, December', status: 'done' },
      tokens.auditor,
    );
    expect(done).toMatchObject({ name: 'Plant A, December', status: 'done' });
  });

  it('scores new risks on the matrix an administrator chose for the team', async () => {
    const other = await ok<{ id: string }>('grc.importLibrary', { content: lib('risk-matrix-3x3-mult.yaml') }, tokens.admin);
    const before = (await ok<{ items: { id: string; isDefault: boolean }[] }>('grc.matrices', {}, tokens.tech)).items;
    expect(before.find((m) => m.id === other.id)?.isDefault).toBe(false);
    expect((await post('grc.setTeamMatrix', { matrixId: other.id }, tokens.tech)).status).toBe(403);
    const after = (await ok<{ items: { id: string; isDefault: boolean }[] }>('grc.setTeamMatrix', { matrixId: other.id }, tokens.admin)).items;
    expect(after.filter((m) => m.isDefault).map((m) => m.id)).toEqual([other.id]);
    const risk = await ok<{ matrixId: string }>('risks.create', { title: 'Shared admin password on the line PLCs', inherent: { likelihood: 2, impact: 2 } }, tokens.tech);
    expect(risk.matrixId).toBe(other.id);
    const unknown = await post('grc.setTeamMatrix', { matrixId: '00000000-0000-7000-8000-000000000000' }, tokens.admin);
    expect(unknown.body.ok).toBe(false);
  });

  it("scores a site's new risks on its register's matrix, and says what happens to the risks already in it", async () => {
    const ebios = await ok<{ id: string; name: string }>('grc.importLibrary', { content: lib('risk-matrix-4x4-ebios-rm.yaml') }, tokens.admin);
    const plant = await ok<{ id: string }>('sites.create', { name: 'Plant B', code: 'PB' }, tokens.admin);
    const regs = async (token: string) => (await ok<{ items: { siteId: string; matrixId: string; chosen: boolean; risks: number; risksOnOtherMatrices: number }[] }>('grc.registers', {}, token)).items;
    expect((await regs(tokens.admin!)).find((r) => r.siteId === plant.id)).toMatchObject({ chosen: false, risks: 0 });
    // The technician holds the first site only: they see its register, not Plant B's.
    expect((await regs(tokens.tech!)).map((r) => r.siteId)).toEqual([t.siteId]);
    expect((await post('grc.setRegisterMatrix', { siteId: plant.id, matrixId: ebios.id }, tokens.tech)).status).toBe(403);
    const set = await ok<{ register: { matrixId: string; chosen: boolean }; message: string }>('grc.setRegisterMatrix', { siteId: plant.id, matrixId: ebios.id }, tokens.admin);
    expect(set.register).toMatchObject({ matrixId: ebios.id, chosen: true });
    expect(set.message).toBe(`New risks of Plant B are scored on ${ebios.name}.`);
    const inPlant = await ok<{ matrixId: string }>('risks.create', { title: 'Cooling tower legionella', siteId: plant.id, inherent: { likelihood: 4, impact: 4 } }, tokens.admin);
    expect(inPlant.matrixId).toBe(ebios.id);
    const elsewhere = await ok<{ id: string; matrixId: string }>('risks.create', { title: 'Laptop theft' }, tokens.tech);
    expect(elsewhere.matrixId).not.toBe(ebios.id);

    // Moving the first site's register to the 4×4 matrix: its risks keep theirs until re-scored.
    const first = (await regs(tokens.admin!)).find((r) => r.siteId === t.siteId)!;
    const moved = await ok<{ register: { risks: number; risksOnOtherMatrices: number }; message: string }>('grc.setRegisterMatrix', { siteId: t.siteId, matrixId: ebios.id }, tokens.admin);
    expect(moved.register.risksOnOtherMatrices).toBe(first.risks);
    expect(moved.message).toMatch(new RegExp(`Its ${first.risks} risks scored on another matrix keep it, and keep their levels, until someone re-scores them`));
    expect((await ok<{ matrixId: string }>('risks.get', { id: elsewhere.id }, tokens.tech)).matrixId).toBe(elsewhere.matrixId);
    expect((await ok<{ matrixId: string }>('risks.create', { title: 'Forklift hits rack' }, tokens.tech)).matrixId).toBe(ebios.id);
    const bad = await post('grc.setRegisterMatrix', { siteId: 'no-such-site', matrixId: ebios.id }, tokens.admin);
    expect(bad.body).toMatchObject({ ok: false, error: { message: 'No such site.' } });
  });

  it('exports the register as CSV and Excel with the columns the import reads', async () => {
    const csv = await ok<{ content: string; rows: number; encoding: string }>('risks.export', { format: 'csv', filter: { q: 'legionella' } }, tokens.auditor);
    expect(csv).toMatchObject({ rows: 1, encoding: 'utf-8' });
    const xlsx = await ok<{ content: string; rows: number; encoding: string }>('risks.export', { format: 'xlsx' }, tokens.auditor);
    expect(xlsx.encoding).toBe('base64');
    // The technician's dry run of either file reads every column and finds no error.
    const dry = await ok<{ errors: unknown[]; rows: number; ignored: string[] }>('risks.import', { content: csv.content, dryRun: true }, tokens.admin);
    expect(dry).toMatchObject({ errors: [], rows: 1, ignored: ['Number', 'Inherent level', 'Current level', 'Residual level'] });
    const dryX = await ok<{ errors: unknown[]; rows: number }>('risks.import', { contentBase64: xlsx.content, dryRun: true }, tokens.admin);
    expect(dryX).toMatchObject({ errors: [], rows: xlsx.rows });
    expect((await post('risks.export', {}, tokens.requester)).status).toBe(403);
  });

  it('requesters receive none of it; auditors write no risk; technicians import no library', async () => {
    for (const call of ['risks.list', 'grc.frameworks', 'grc.matrices', 'assessments.list', 'controls.list'])
      expect((await post(call, {}, tokens.requester)).status, call).toBe(403);
    expect((await post('risks.create', { title: 'x' }, tokens.auditor)).status).toBe(403);
    expect((await post('grc.importLibrary', { content: lib('risk-matrix-3x3-mult.yaml') }, tokens.tech)).status).toBe(403);
    expect((await post('assessments.start', { frameworkId: '00000000-0000-7000-8000-000000000000' }, tokens.tech)).status).toBe(403);
  });
});
