/**
 * `npm run bench:risk -- [--risks 50000] [--requirements 1200]`: the risk register and assessments at
 * scale. Seeds 50,000 risks on the 5×5 matrix (scores spread over every cell, a tenth with a review
 * cadence), then times the register's first page for several filters and the heat map (p95 of 50
 * runs each), imports a generated 1,200-requirement framework shaped like NIST CSF (functions,
 * categories, subcategories; three imports under different urns), and opens an assessment of it with
 * half its requirements assessed (the framework tree and the assessment, p95 of 50), and exports an
 * evidence pack of an assessment of 1,000 requirements with 200 evidence files of 200 kB
 * (`--pack-requirements`, `--pack-files`, `--pack-runs`): its time and the longest the event loop was
 * held meanwhile (bench/pack-export.ts). Prints JSON.
 * Not a test: it asserts nothing.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import { openStore } from '../src/main/db/open';
import { systemClock, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { loadActor } from '../src/main/services/directory/users';
import { tempDir } from '../src/main/testing';
import { ensureDefaultMatrix, frameworkWithNodes, importLibrary } from '../src/main/services/grc/grc';
import { heatMap, listRisks } from '../src/main/services/risks/risks';
import { assess, getAssessment, startAssessment } from '../src/main/services/assessments/assessments';
import { formatHumanNumber } from '../src/shared/numbers';
import { REQUIREMENT_RESULTS } from '../src/shared/grc/matrix';
import { benchPackExport } from './pack-export';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--risks', 50_000);
const REQS = arg('--requirements', 1200);
const log = (m: string) => process.stderr.write(`[bench:risk] ${m}\n`);

const t = tempDir('outpost-risk-bench-');
const store = openStore(path.join(t.dir, 'risk.db'));
const s = store.sqlite;
const base = { store, clock: systemClock, actor: null, call: 'bench' };
const session = initialize(base, { admin: { username: 'admin', displayName: 'Bench Admin', password: 'password123' }, site: { name: 'HQ' } });
const ctx: Ctx = { ...base, actor: loadActor(s, session.user.id)! };
const siteId = ctx.actor!.siteIds[0]!;

// A fixed-seed generator, so every run seeds the same register.
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;

log(`seeding ${N} risks`);
const matrixId = ensureDefaultMatrix(ctx);
const now = new Date().toISOString();
s.transaction(() => {
  const ins = s.prepare(
    `INSERT INTO risks (id, scope_id, created_at, updated_at, field_hlc, number, title, status, matrix_id, inherent_likelihood, inherent_impact, current_likelihood, current_impact, residual_likelihood, residual_impact, treatment, review_every_days, last_reviewed_on)
     VALUES (?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const statuses = ['identified', 'assessed', 'treating', 'accepted', 'closed'];
  for (let i = 1; i <= N; i++) {
    const il = 1 + Math.floor(rnd() * 5);
    const ii = 1 + Math.floor(rnd() * 5);
    const cl = Math.max(1, il - Math.floor(rnd() * 2));
    const ci = Math.max(1, ii - Math.floor(rnd() * 2));
    const scored = rnd() < 0.8;
    ins.run(
      `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      siteId,
      now,
      now,
      formatHumanNumber('RSK', i),
      `${pick(['Ransomware', 'Power loss', 'Insider misuse', 'Supplier outage', 'Flood', 'Phishing', 'Unpatched HMI'])} at line ${i % 400}`,
      pick(statuses),
      matrixId,
      il,
      ii,
      scored ? cl : null,
      scored ? ci : null,
      scored ? Math.max(1, cl - 1) : null,
      scored ? Math.max(1, ci - 1) : null,
      pick(['mitigate', 'accept', 'transfer', 'avoid', null]),
      rnd() < 0.1 ? 90 : null,
      rnd() < 0.05 ? '2025-01-01' : null,
    );
  }
})();
s.exec('ANALYZE');

function p95(fn: () => unknown, runs = 50): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) fn();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.ceil(runs * 0.95) - 1]! * 100) / 100;
}

// As the Risks screen asks: the register's matrix, a page of 100.
const page = { limit: 100, offset: 0, matrixId };
const registerPage: Record<string, number> = {
  all: p95(() => listRisks(ctx, { ...page })),
  status_open: p95(() => listRisks(ctx, { ...page, status: ['identified', 'assessed', 'treating'] })),
  heat_map_cell: p95(() => listRisks(ctx, { ...page, cell: { stage: 'current', likelihood: 4, impact: 5 } })),
  search: p95(() => listRisks(ctx, { ...page, q: 'HMI' })),
  review_overdue: p95(() => listRisks(ctx, { ...page, reviewOverdue: true })),
  later_page: p95(() => listRisks(ctx, { ...page, offset: 20_000 })),
  // The Risks screen pages by keyset: the page after RSK-30000, as scrolling reaches it.
  later_page_cursor: p95(() => listRisks(ctx, { ...page, cursor: formatHumanNumber('RSK', 30_000) })),
  // A rarer text (125 matches): read from the trigram index rather than by walking the register.
  search_rare: p95(() => listRisks(ctx, { ...page, q: 'line 399' })),
};
const heatMapMs: Record<string, number> = {
  all: p95(() => heatMap(ctx, { matrixId })),
  status_open: p95(() => heatMap(ctx, { matrixId, status: ['identified', 'assessed', 'treating'] })),
};

/** A framework library shaped like NIST CSF 2.0: 6 functions, categories under each, subcategories to assess. */
function framework(urn: string, total: number): string {
  const nodes: Record<string, unknown>[] = [];
  const fns = ['GV', 'ID', 'PR', 'DE', 'RS', 'RC'];
  const cats = 10;
  const perCat = Math.ceil((total - fns.length - fns.length * cats) / (fns.length * cats));
  for (const f of fns) {
    const fu = `${urn}:${f.toLowerCase()}`;
    nodes.push({ urn: fu, assessable: false, depth: 1, ref_id: f, name: `Function ${f}`, description: `What the ${f} function covers.` });
    for (let c = 1; c <= cats && nodes.length < total; c++) {
      const cu = `${fu}.c${c}`;
      nodes.push({ urn: cu, assessable: false, depth: 2, parent_urn: fu, ref_id: `${f}.C${c}`, name: `Category ${c} of ${f}` });
      for (let r = 1; r <= perCat && nodes.length < total; r++)
        nodes.push({ urn: `${cu}-${r}`, assessable: true, depth: 3, parent_urn: cu, ref_id: `${f}.C${c}-${String(r).padStart(2, '0')}`, description: `Requirement ${r} of category ${c}: outcomes are established, communicated and monitored across the organisation.` });
    }
  }
  return stringify({
    urn: `${urn}:library`,
    name: 'Generated framework',
    version: 1,
    provider: 'bench',
    objects: { framework: { urn, ref_id: 'GEN', name: 'Generated framework', scores_definition: [1, 2, 3, 4].map((score) => ({ score, name: `Tier ${score}` })), requirement_nodes: nodes } },
  });
}

const importMs: number[] = [];
let fwId = '';
let requirements = 0;
for (let i = 0; i < 3; i++) {
  const yaml = framework(`urn:bench:framework:gen-${i}`, REQS);
  const t0 = performance.now();
  const r = importLibrary(ctx, yaml);
  importMs.push(Math.round(performance.now() - t0));
  fwId = r.id;
  requirements = r.requirements!;
}
const reimport = (() => {
  const yaml = framework('urn:bench:framework:gen-0', REQS);
  const t0 = performance.now();
  importLibrary(ctx, yaml);
  return Math.round(performance.now() - t0);
})();

const { id: assessmentId, total } = startAssessment(ctx, { frameworkId: fwId });
const nodes = frameworkWithNodes(ctx, fwId).nodes.filter((n) => n.assessable);
const t0 = performance.now();
for (const n of nodes.slice(0, Math.floor(nodes.length / 2))) assess(ctx, { assessmentId, requirementId: n.id, result: pick(REQUIREMENT_RESULTS), score: 1 + Math.floor(rnd() * 4) });
const assessEach = Math.round(((performance.now() - t0) / Math.floor(nodes.length / 2)) * 100) / 100;
const treeOpen = {
  framework_tree: p95(() => frameworkWithNodes(ctx, fwId)),
  assessment: p95(() => getAssessment(ctx, assessmentId)),
  both: p95(() => {
    frameworkWithNodes(ctx, fwId);
    getAssessment(ctx, assessmentId);
  }),
};

store.close();
t.cleanup();
log('evidence pack export');
const pack = await benchPackExport({ requirements: arg('--pack-requirements', 1000), files: arg('--pack-files', 200), size: 200_000, runs: arg('--pack-runs', 3), log });

console.log(
  JSON.stringify(
    {
      risks: N,
      register_page_p95_ms: registerPage,
      heat_map_p95_ms: heatMapMs,
      framework: { requirements, assessable: total },
      framework_import_ms: importMs,
      framework_reimport_same_version_ms: reimport,
      assess_one_requirement_ms: assessEach,
      assessment_tree_open_p95_ms: treeOpen,
      evidence_pack: {
        requirements: pack.requirements,
        evidence_files: pack.evidenceFiles,
        pack_mb: pack.packMB,
        export_ms: pack.exportMs,
        longest_event_loop_stall_ms: pack.longestStallMs,
        verify_ms: pack.verifyMs,
      },
    },
    null,
    2,
  ),
);
