/**
 * The authorisation matrix (every synced record type × role × own site / other site / global × op
 * kind) run against a real server and compared with the table in docs/security.md, which is the
 * written expectation: a rule that changes without the document (or the reverse) fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_RULES } from '../shared/sync/entities';
import { actualLetters, parseExpected, PLACES, ROLES, runMatrix, type Matrix } from './testing/matrix';
import { startTestServer, type TestServer } from './testing/server';

const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/security.md'), 'utf8');

describe('authorisation matrix (docs/security.md) against a real server', () => {
  let server: TestServer;
  let matrix: Matrix;

  beforeAll(async () => {
    server = await startTestServer();
    matrix = await runMatrix(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('covers every synced record type, role and place', () => {
    const expected = parseExpected(doc);
    for (const entity of Object.keys(ENTITY_RULES)) for (const role of ROLES) for (const place of PLACES) expect(expected.has(`${entity}/${role}/${place}`), `${entity}/${role}/${place} in docs/security.md`).toBe(true);
    expect(matrix.cells).toHaveLength(Object.keys(ENTITY_RULES).length * ROLES.length * PLACES.length);
  });

  it('the server answers every cell as the document says', () => {
    const expected = parseExpected(doc);
    const differ = matrix.cells
      .filter((c) => expected.get(`${c.entity}/${c.role}/${c.place}`) !== actualLetters(c))
      .map((c) => `${c.entity} / ${c.role} / ${c.place}: document ${expected.get(`${c.entity}/${c.role}/${c.place}`)}, server ${actualLetters(c)} ${JSON.stringify(c.reasons)}`);
    expect(differ).toEqual([]);
  });

  it('requesters and auditors write nothing outside the few records their roles allow', () => {
    for (const c of matrix.cells.filter((x) => x.role === 'requester' && x.allowed.length)) expect(['tickets', 'ticket_comments', 'ticket_history', 'ticket_watchers', 'saved_views'], `${c.entity} for a requester`).toContain(c.entity);
    for (const c of matrix.cells.filter((x) => x.role === 'auditor' && x.allowed.length)) expect(['audit_sessions', 'audit_expected', 'audit_scans', 'ticket_watchers', 'saved_views', 'dashboard_layouts', 'assets', 'asset_history', 'assessments', 'requirement_assessments', 'evidence', 'findings', 'finding_links', 'tickets', 'ticket_history'], `${c.entity} for an auditor`).toContain(c.entity);
    // An auditor only opens follow-up tickets of findings: a create, never an edit, move or delete.
    for (const c of matrix.cells.filter((x) => x.role === 'auditor' && x.entity === 'tickets')) expect(c.allowed.filter((k) => k !== 'create'), `tickets for an auditor (${c.place})`).toEqual([]);
    for (const c of matrix.cells.filter((x) => x.role !== 'admin' && x.place === 'other')) expect(c.allowed, `${c.entity} for a ${c.role} in a site they do not hold`).toEqual([]);
  });
});
