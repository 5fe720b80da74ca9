/**
 * Assessments on a real store: start counts the framework's assessable requirements, assess finds a
 * requirement by ref_id, refuses headings and scores the framework does not define, and progress and
 * scores add up per function and category.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { FIXTURES } from '../assets/test-fixtures';
import { importLibrary } from '../grc/grc';
import { assess, getAssessment, listAssessments, startAssessment } from './assessments';

let w: World;
let fw: string;
beforeEach(() => {
  w = makeWorld();
  fw = importLibrary(w.ctx(w.admin), fs.readFileSync(path.join(FIXTURES, 'grc/nist-csf-2.0.yaml'), 'utf8')).id;
});
afterEach(() => w.dispose());

describe('assessments', () => {
  it('an auditor starts an assessment, assesses by ref and sees progress per function and category', () => {
    const aud = w.user('auditor');
    const ctx = w.ctx(aud, 'assessments.assess');
    const { id, total } = startAssessment(ctx, { frameworkId: fw, siteId: w.siteId });
    expect(total).toBe(106);
    assess(ctx, { assessmentId: id, ref: 'GV.OC-01', result: 'compliant', score: 4 });
    assess(ctx, {
      assessmentId: id,
      ref: 'GV.OC-02',
      result: 'partially_compliant',
      score: 2,
      observation: 'Stakeholders listed, not reviewed',
    });
    const r = assess(ctx, { assessmentId: id, ref: 'PR.AA-01', result: 'not_applicable' });
    expect(r.progress).toMatchObject({ assessed: 3, total: 106, compliance: 75, score: 3 });
    const a = getAssessment(ctx, id);
    expect(a.progress.assessed).toBe(3);
    const gv = a.groups.find((g) => g.refId === 'GV')!;
    expect(gv).toMatchObject({ depth: 1, assessed: 2, counts: { compliant: 1, partially_compliant: 1 } });
    expect(a.groups.find((g) => g.refId === 'GV.OC')).toMatchObject({ depth: 2, assessed: 2 });
    expect(a.groups.find((g) => g.refId === 'PR')).toMatchObject({ assessed: 1, compliance: null });
    // Assessing again edits the same record.
    assess(ctx, { assessmentId: id, ref: 'GV.OC-01', result: 'non_compliant' });
    const again = getAssessment(ctx, id);
    expect(again.progress.assessed).toBe(3);
    expect(again.results.find((x) => x.refId === 'GV.OC-01')).toMatchObject({ result: 'non_compliant', score: 4 });
    expect(listAssessments(ctx, {})[0]!.progress.assessed).toBe(3);
  });

  it('refuses unknown refs, headings, scores outside the framework, and other roles', () => {
    const ctx = w.ctx(w.admin);
    const { id } = startAssessment(ctx, { frameworkId: fw });
    expect(() => assess(ctx, { assessmentId: id, ref: 'XX-99', result: 'compliant' })).toThrow(/no requirement "XX-99"/);
    expect(() => assess(ctx, { assessmentId: id, ref: 'GV.OC', result: 'compliant' })).toThrow(/GV.OC is a heading/);
    expect(() => assess(ctx, { assessmentId: id, ref: 'GV.OC-01', result: 'compliant', score: 7 })).toThrow(
      /scores 1 \(Partial\), 2 .*; 7 is not one of them/,
    );
    const tech = w.user('technician');
    expect(() => assess(w.ctx(tech), { assessmentId: id, ref: 'GV.OC-01', result: 'compliant' })).toThrow(
      /Only auditors and administrators/,
    );
    expect(() => startAssessment(w.ctx(w.user('requester')), { frameworkId: fw })).toThrow(/Only auditors/);
  });
});
