/**
 * The evidence pack export at scale, shared by `bench:risk` and `bench:evidence`: an assessment of a
 * generated framework with `requirements` assessed requirements and `files` evidence files of `size`
 * random bytes, exported `runs` times and verified. Besides the time, it reports how long the event
 * loop was held at most while a pack was built (how late a timer set to fire every 5 ms fired), since the export runs in the process that answers every other call.
 */
import { randomBytes } from 'node:crypto';
import { makeWorld } from '../src/main/testing';
import { contract } from '../src/shared/api';
import { importLibrary } from '../src/main/services/grc/grc';
import { assess, startAssessment } from '../src/main/services/assessments/assessments';
import { attachEvidence } from '../src/main/services/evidence/evidence';
import { exportPack } from '../src/main/services/evidence/pack';
import { verifyPackBytes } from '../src/main/services/evidence/pack-verify';

/** A framework library (CISO Assistant format) with `reqs` assessable requirements under 10 functions. */
function framework(reqs: number): string {
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
    for (let r = 0; r < reqs / 10; r++) {
      lines.push(`    - urn: urn:outpost:bench:f${f}.r${r}`, `      parent_urn: urn:outpost:bench:f${f}`, `      ref_id: F${f}.R${r}`, `      description: Requirement ${r} of function ${f}`, '      assessable: true', '      depth: 2');
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface PackBenchResult {
  requirements: number;
  evidenceFiles: number;
  evidenceFileBytes: number;
  runs: number;
  packEntries: number;
  packMB: number;
  exportMs: { median: number; all: number[] };
  /** The longest the event loop was held during an export (ms): how late a 5 ms timer fired, worst of all runs and per run. */
  longestStallMs: { max: number; all: number[] };
  verifyMs: { median: number; all: number[] };
}

export async function benchPackExport(opts: { requirements: number; files: number; size: number; runs: number; log: (m: string) => void }): Promise<PackBenchResult> {
  const w = makeWorld();
  try {
    const ctx = w.ctx(w.admin);
    const fw = importLibrary(ctx, framework(opts.requirements));
    const a = startAssessment(ctx, contract['assessments.start'].input.parse({ frameworkId: fw.id, siteId: w.siteId }));
    const refs = w.store.sqlite.prepare('SELECT ref_id FROM framework_requirements WHERE framework_id = ? AND assessable = 1 ORDER BY position').pluck().all(fw.id) as string[];
    const results = ['compliant', 'partially_compliant', 'non_compliant', 'not_applicable'] as const;
    refs.forEach((ref, i) => assess(ctx, contract['assessments.assess'].input.parse({ assessmentId: a.id, ref, result: results[i % 4], observation: `Observed on site for ${ref}.` })));
    opts.log(`${refs.length} requirements assessed`);
    for (let i = 0; i < opts.files; i++) {
      const ref = refs[(i * 7) % refs.length]!;
      attachEvidence(ctx, contract['evidence.attach'].input.parse({ recordType: 'requirement_assessment', assessmentId: a.id, ref, fileName: `photo-${i}.jpg`, mediaType: 'image/jpeg', content: randomBytes(opts.size).toString('base64') }));
    }
    opts.log(`${opts.files} evidence files attached`);
    const exportMs: number[] = [];
    const verifyMs: number[] = [];
    const stallTimer: number[] = [];
    let bytes = 0;
    let entries = 0;
    for (let run = 0; run < opts.runs; run++) {
      // A 5 ms timer: how late it fires is how long something held the loop.
      let last = performance.now();
      let worst = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last - 5);
        last = now;
      }, 5);
      const t0 = performance.now();
      const pack = await exportPack(ctx, { kind: 'assessment', id: a.id });
      exportMs.push(performance.now() - t0);
      clearInterval(timer);
      worst = Math.max(worst, performance.now() - last - 5);
      stallTimer.push(worst);
      const zip = Buffer.from(pack.content, 'base64');
      bytes = zip.length;
      entries = pack.rows;
      const t1 = performance.now();
      const check = verifyPackBytes(zip);
      verifyMs.push(performance.now() - t1);
      if (!check.ok) throw new Error(`The pack did not verify: ${check.summary}`);
    }
    const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    return {
      requirements: refs.length,
      evidenceFiles: opts.files,
      evidenceFileBytes: opts.size,
      runs: opts.runs,
      packEntries: entries,
      packMB: Math.round((bytes / 1024 / 1024) * 10) / 10,
      exportMs: { median: Math.round(med(exportMs)), all: exportMs.map(Math.round) },
      longestStallMs: { max: Math.round(Math.max(...stallTimer)), all: stallTimer.map(Math.round) },
      verifyMs: { median: Math.round(med(verifyMs)), all: verifyMs.map(Math.round) },
    };
  } finally {
    w.dispose();
  }
}
