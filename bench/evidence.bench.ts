/**
 * `npm run bench:evidence -- [--requirements 1000] [--files 200] [--size 200000] [--runs 3]`: prints
 * one JSON object: the time to export an evidence pack of an assessment with that many assessed
 * requirements and evidence files (report PDF, CSVs, files, manifest, zip), and to verify it.
 * Not a test: it asserts nothing and only reports.
 */
import { randomBytes } from 'node:crypto';
import { makeWorld } from '../src/main/testing';
import { contract } from '../src/shared/api';
import { importLibrary } from '../src/main/services/grc/grc';
import { assess, startAssessment } from '../src/main/services/assessments/assessments';
import { attachEvidence } from '../src/main/services/evidence/evidence';
import { exportPack } from '../src/main/services/evidence/pack';
import { verifyPackBytes } from '../src/main/services/evidence/pack-verify';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}
const REQS = arg('requirements', 1000);
const FILES = arg('files', 200);
const SIZE = arg('size', 200_000);
const RUNS = arg('runs', 3);
const log = (msg: string) => process.stderr.write(`[bench:evidence] ${msg}\n`);

/** A framework library (CISO Assistant format) with REQS assessable requirements under 10 functions. */
function framework(): string {
  const lines = [
    'urn: urn:outpost:risk:library:bench-framework',
    'ref_id: BENCH',
    'name: Bench framework',
    'version: 1',
    'provider: Outpost',
    'objects:',
    '  framework:',
    '    urn: urn:outpost:risk:framework:bench',
    '    ref_id: BENCH',
    '    name: Bench framework',
    '    requirement_nodes:',
  ];
  for (let f = 0; f < 10; f++) {
    lines.push(`    - urn: urn:outpost:bench:f${f}`, `      ref_id: F${f}`, `      name: Function ${f}`, '      assessable: false', '      depth: 1');
    for (let r = 0; r < REQS / 10; r++) {
      lines.push(`    - urn: urn:outpost:bench:f${f}.r${r}`, `      parent_urn: urn:outpost:bench:f${f}`, `      ref_id: F${f}.R${r}`, `      description: Requirement ${r} of function ${f}`, '      assessable: true', '      depth: 2');
    }
  }
  return `${lines.join('\n')}\n`;
}

const w = makeWorld();
try {
  const ctx = w.ctx(w.admin);
  const fw = importLibrary(ctx, framework());
  const a = startAssessment(ctx, contract['assessments.start'].input.parse({ frameworkId: fw.id, siteId: w.siteId }));
  const refs = w.store.sqlite.prepare('SELECT ref_id FROM framework_requirements WHERE framework_id = ? AND assessable = 1 ORDER BY position').pluck().all(fw.id) as string[];
  const results = ['compliant', 'partially_compliant', 'non_compliant', 'not_applicable'] as const;
  refs.forEach((ref, i) => assess(ctx, contract['assessments.assess'].input.parse({ assessmentId: a.id, ref, result: results[i % 4], observation: `Observed on site for ${ref}.` })));
  log(`${refs.length} requirements assessed`);
  for (let i = 0; i < FILES; i++) {
    const ref = refs[(i * 7) % refs.length]!;
    attachEvidence(ctx, contract['evidence.attach'].input.parse({ recordType: 'requirement_assessment', assessmentId: a.id, ref, fileName: `photo-${i}.jpg`, mediaType: 'image/jpeg', content: randomBytes(SIZE).toString('base64') }));
  }
  log(`${FILES} evidence files attached`);
  const exportMs: number[] = [];
  const verifyMs: number[] = [];
  let bytes = 0;
  let entries = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const pack = await exportPack(ctx, { kind: 'assessment', id: a.id });
    exportMs.push(performance.now() - t0);
    const zip = Buffer.from(pack.content, 'base64');
    bytes = zip.length;
    entries = pack.rows;
    const t1 = performance.now();
    const check = verifyPackBytes(zip);
    verifyMs.push(performance.now() - t1);
    if (!check.ok) throw new Error(`The pack did not verify: ${check.summary}`);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(
    JSON.stringify(
      {
        bench: 'evidence-pack',
        requirements: refs.length,
        evidenceFiles: FILES,
        evidenceFileBytes: SIZE,
        runs: RUNS,
        packEntries: entries,
        packMB: Math.round((bytes / 1024 / 1024) * 10) / 10,
        exportMs: { median: Math.round(med(exportMs)), all: exportMs.map(Math.round) },
        verifyMs: { median: Math.round(med(verifyMs)), all: verifyMs.map(Math.round) },
      },
      null,
      2,
    ),
  );
} finally {
  w.dispose();
}
