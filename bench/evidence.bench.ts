/**
 * `npm run bench:evidence -- [--requirements 1000] [--files 200] [--size 200000] [--runs 3]`: prints
 * one JSON object: the time to export an evidence pack of an assessment with that many assessed
 * requirements and evidence files (report PDF, CSVs, files, manifest, zip), the longest the event
 * loop was held meanwhile, and the time to verify it. Not a test: it asserts nothing and only reports.
 */
import { benchPackExport } from './pack-export';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}
const log = (msg: string) => process.stderr.write(`[bench:evidence] ${msg}\n`);

const r = await benchPackExport({ requirements: arg('requirements', 1000), files: arg('files', 200), size: arg('size', 200_000), runs: arg('runs', 3), log });
console.log(JSON.stringify({ bench: 'evidence-pack', ...r }, null, 2));
