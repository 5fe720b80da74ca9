/**
 * Library import against every fixture library (counts checked against an independent count of the
 * YAML), grid-derived levels for every cell of every fixture matrix, idempotent re-import and version
 * updates, clear errors that name the key or node, and nothing written when a library is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, countRows, type World } from '../../testing';
import { FIXTURES } from '../assets/test-fixtures';
import { importLibrary, listFrameworks, listMatrices, frameworkWithNodes, ensureDefaultMatrix, matrixId } from './grc';
import { createRisk } from '../risks/risks';
import { levelAt, parseDefinition } from '../../../shared/grc/matrix';
import { AppError } from '../../../shared/result';

const GRC = path.join(FIXTURES, 'grc');
const files = fs.existsSync(GRC) ? fs.readdirSync(GRC).filter((f) => f.endsWith('.yaml')) : [];
const read = (f: string) => fs.readFileSync(path.join(GRC, f), 'utf8');

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

function expectError(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as Error).message).toMatch(re);
    return;
  }
  throw new Error('expected an error');
}

describe('library import', () => {
  it('finds the fixture libraries', () => {
    expect(files.length, `fixture libraries under ${GRC}`).toBeGreaterThanOrEqual(4);
  });

  it('imports every fixture library with the counts the file holds', () => {
    const ctx = w.ctx(w.admin, 'grc.importLibrary');
    for (const f of files) {
      const doc = parse(read(f)) as { objects: { framework?: { requirement_nodes: { assessable?: boolean }[] }; risk_matrix?: unknown[] } };
      const r = importLibrary(ctx, read(f));
      if (doc.objects.framework) {
        const nodes = doc.objects.framework.requirement_nodes;
        expect(r.kind).toBe('framework');
        expect(r.requirements, f).toBe(nodes.length);
        expect(r.assessable, f).toBe(nodes.filter((n) => n.assessable === true).length);
        const opened = frameworkWithNodes(ctx, r.id);
        expect(opened.nodes).toHaveLength(nodes.length);
        expect(opened.framework.scores?.length).toBeGreaterThan(0);
      } else {
        expect(r.kind).toBe('risk_matrix');
        expect(r.matrices).toBe(doc.objects.risk_matrix!.length);
      }
    }
    expect(listFrameworks(ctx).map((f) => f.name)).toContain('NIST CSF v2.0');
    expect(listMatrices(ctx)).toHaveLength(3);
  });

  it('derives the level of every cell of every fixture matrix from its grid', () => {
    const ctx = w.ctx(w.admin, 'grc.importLibrary');
    let cells = 0;
    for (const f of files) {
      const doc = parse(read(f)) as {
        objects: { risk_matrix?: { urn: string; risk: { name: string; abbreviation: string }[]; grid: number[][] }[] };
      };
      if (!doc.objects.risk_matrix) continue;
      importLibrary(ctx, read(f));
      for (const m of doc.objects.risk_matrix) {
        const stored = listMatrices(ctx).find((x) => x.id === matrixId(m.urn))!;
        m.grid.forEach((row, p) =>
          row.forEach((idx, i) => {
            const lv = levelAt(stored.definition, p + 1, i + 1)!;
            expect(lv.name, `${f} (${p + 1}, ${i + 1})`).toBe(String(m.risk[idx]!.name));
            expect(lv.abbreviation).toBe(String(m.risk[idx]!.abbreviation));
            cells++;
          }),
        );
        expect(levelAt(stored.definition, m.grid.length + 1, 1)).toBeNull();
        expect(levelAt(stored.definition, 1, 0)).toBeNull();
      }
    }
    expect(cells).toBe(25 + 9 + 16);
  });

  it('re-importing the same version writes nothing; a newer version updates in place', () => {
    const ctx = w.ctx(w.admin, 'grc.importLibrary');
    const nist = read('nist-csf-2.0.yaml');
    expect(importLibrary(ctx, nist).outcome).toBe('created');
    const ops = countRows(w.store, 'pending_ops');
    const again = importLibrary(ctx, nist);
    expect(again.outcome).toBe('unchanged');
    expect(countRows(w.store, 'pending_ops')).toBe(ops);
    expect(countRows(w.store, 'framework_requirements')).toBe(again.requirements);

    // Version 7 renames one requirement and drops another.
    const doc = parse(nist) as {
      version: number;
      objects: { framework: { requirement_nodes: { ref_id?: string; description?: string; assessable?: boolean }[] } };
    };
    doc.version = 7;
    const nodes = doc.objects.framework.requirement_nodes;
    const renamed = nodes.find((n) => n.ref_id === 'GV.OC-01')!;
    renamed.description = 'Changed in version 7';
    const dropped = nodes.findIndex((n) => n.ref_id === 'GV.OC-02');
    nodes.splice(dropped, 1);
    const r = importLibrary(ctx, stringify(doc));
    expect(r).toMatchObject({ outcome: 'updated', version: 7, requirements: nodes.length });
    const opened = frameworkWithNodes(ctx, r.id);
    expect(opened.nodes.find((n) => n.refId === 'GV.OC-01')!.description).toBe('Changed in version 7');
    expect(opened.nodes.find((n) => n.refId === 'GV.OC-02')).toBeUndefined();
    expect(opened.framework.assessable).toBe(nodes.filter((n) => n.assessable).length);
    // Only what changed was sent: the edited description, the dropped node, positions that moved.
    const sent = w.store.sqlite.prepare('SELECT kind, record_id, payload FROM pending_ops ORDER BY device_seq').all().slice(ops) as {
      kind: string;
      record_id: string;
      payload: string;
    }[];
    expect(sent.find((o) => o.record_id === opened.nodes.find((n) => n.refId === 'GV.OC-01')!.id)!.payload).toContain(
      'Changed in version 7',
    );
    expect(sent.filter((o) => o.kind === 'delete')).toHaveLength(1);
    expect(sent.filter((o) => o.kind === 'create')).toHaveLength(0);
    expect(sent.every((o) => o.kind !== 'setFields' || !JSON.parse(o.payload).urn)).toBe(true);
    // An older version is refused.
    doc.version = 6;
    expectError(() => importLibrary(ctx, stringify(doc)), /already holds version 7.*older/);
  });

  it('refuses malformed libraries with the key or node at fault, and writes nothing', () => {
    const ctx = w.ctx(w.admin, 'grc.importLibrary');
    const before = countRows(w.store, 'pending_ops');
    expectError(() => importLibrary(ctx, 'urn: x\nname: [unclosed'), /not readable YAML \(line/);
    expectError(() => importLibrary(ctx, '- just\n- a list'), /must be a YAML mapping/);
    expectError(() => importLibrary(ctx, 'urn: x\nname: y\n'), /objects is missing/);
    expectError(() => importLibrary(ctx, 'urn: x\nname: y\nobjects:\n  threats: []\n'), /neither a framework nor a risk matrix/);
    const fw = (nodes: string) =>
      `urn: lib\nname: L\nversion: 1\nobjects:\n  framework:\n    urn: fw\n    name: F\n    requirement_nodes:\n${nodes}`;
    expectError(() => importLibrary(ctx, fw('    - ref_id: A\n')), /requirement_nodes\[0\]\.urn is missing/);
    expectError(
      () => importLibrary(ctx, fw('    - urn: a\n      ref_id: A\n    - urn: b\n      parent_urn: zz\n      ref_id: B\n')),
      /requirement_nodes\[1\]\.parent_urn zz is not a node/,
    );
    expectError(
      () => importLibrary(ctx, fw('    - urn: a\n      ref_id: A\n      assessable: "yes"\n')),
      /requirement_nodes\[0\]\.assessable must be true or false/,
    );
    expectError(
      () => importLibrary(ctx, fw('    - urn: a\n      ref_id: A\n    - urn: a\n      ref_id: B\n')),
      /requirement_nodes\[1\]\.urn a appears twice/,
    );
    const m = read('critical_risk_matrix_5x5.yaml').replace(/grid:\n((?:\s+- .*\n)+)/, 'grid:\n        - - 0\n          - 9\n');
    expectError(() => importLibrary(ctx, m), /risk_matrix\[0\]\.grid/);
    // A broken node after hundreds of good ones: nothing of the library is kept.
    const nist = read('nist-csf-2.0.yaml').replace(
      'depth: 3\n      parent_urn: urn:intuitem:risk:req_node:nist-csf-2.0:gv.oc\n      ref_id: GV.OC-05',
      'depth: deep\n      parent_urn: urn:intuitem:risk:req_node:nist-csf-2.0:gv.oc\n      ref_id: GV.OC-05',
    );
    expectError(() => importLibrary(ctx, nist), /requirement_nodes\[\d+\]\.depth must be a whole number/);
    expect(countRows(w.store, 'pending_ops')).toBe(before);
    expect(countRows(w.store, 'framework_requirements')).toBe(0);
  });

  it('only administrators import', () => {
    const tech = w.user('technician');
    expectError(() => importLibrary(w.ctx(tech), read('critical_risk_matrix_5x5.yaml')), /Only administrators/);
  });

  it('a new team scores on the shipped 5×5 matrix, the same record as the 5×5 library', () => {
    const ctx = w.ctx(w.admin, 'risks.create');
    const risk = createRisk(ctx, { title: 'Flooded server room', inherent: { likelihood: 5, impact: 5 } });
    expect(risk.inherent.level).toMatchObject({ abbreviation: 'VH', name: 'Very High' });
    const id = ensureDefaultMatrix(ctx);
    expect(risk.matrixId).toBe(id);
    expect(importLibrary(ctx, read('critical_risk_matrix_5x5.yaml'))).toMatchObject({ id, outcome: 'unchanged' });
    expect(parseDefinition(JSON.stringify(listMatrices(ctx)[0]!.definition))).not.toBeNull();
  });
});
