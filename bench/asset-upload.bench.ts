/**
 * `npm run bench:asset-upload -- [--mb 200] [--pad 0] [--no-commit]`: prints one JSON object: a
 * Snipe-IT asset export of about `mb` megabytes (the shared sample's rows again and again, each with
 * its own asset tag; `pad` extra characters per row in "Model Notes", a column Outpost does not keep,
 * make fewer, larger rows) taken through the asset Import wizard's path on the real browser host:
 * streamed to POST /api/upload, inspected by its head (assets.inspectCsv), previewed (a dry run of the
 * whole file) and committed (assets.import), each timed, with the process's peak memory (the import
 * worker runs in the same process): sampled every 50 ms, and the kernel's high-water mark. The file
 * is written a thousand rows at a time, so its making adds little to that mark.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { startRuntime } from '../src/main/runtime';
import { startHost } from '../src/main/host/server';
import { createLogger } from '../src/main/log';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const MB = 1024 * 1024;
const targetMb = arg('mb', 200);
const pad = arg('pad', 0);
const commit = !process.argv.includes('--no-commit');
const sample = process.env.OUTPOST_FIXTURES
  ? path.join(process.env.OUTPOST_FIXTURES, 'snipe-it/assets-sample.csv')
  : path.resolve(import.meta.dirname, '../../shared/fixtures/snipe-it/assets-sample.csv');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-asset-upload-'));
const file = path.join(dir, 'snipe-it assets.csv');
const [header, ...fixtureRows] = Papa.parse<string[]>(fs.readFileSync(sample, 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
const tagAt = header!.indexOf('Asset Tag');
const notesAt = header!.indexOf('Model Notes');
const filler = 'x'.repeat(pad);

// Written in blocks of rows until the file reaches the size asked for.
let rows = 0;
let bytes = 0;
const out = fs.openSync(file, 'w');
const write = (s: string) => {
  bytes += fs.writeSync(out, s);
};
write(Papa.unparse([header!]) + '\r\n');
while (bytes < targetMb * MB) {
  const block: string[][] = [];
  for (let k = 0; k < 1000; k++, rows++) {
    const r = [...fixtureRows[rows % fixtureRows.length]!];
    r[tagAt] = `${r[tagAt]}-${rows.toString(36)}`;
    if (pad) r[notesAt] = filler;
    block.push(r);
  }
  write(Papa.unparse(block, { newline: '\r\n' }) + '\r\n');
}
fs.closeSync(out);

let peakRss = process.memoryUsage().rss;
/** The peak of the step being timed (see `timed`). */
let stepPeak = 0;
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  stepPeak = Math.max(stepPeak, rss);
}, 50);

/** The process's peak resident memory as the kernel counts it (VmHWM), in MB; null off Linux. */
function vmHwmMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const rt = startRuntime({ dataDir: path.join(dir, 'data'), log: createLogger({ level: 'silent' }) });
const host = await startHost(rt, { port: 0, staticDir: null });

/** POST /api/<name> over node:http, which (unlike fetch) sets no time limit on a long import's answer. */
function call<T>(name: string, input: unknown, token = ''): Promise<T> {
  const payload = JSON.stringify(input);
  return new Promise<T>((resolve, reject) => {
    const req = http.request(`${host.url}/api/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const body = JSON.parse(text) as { ok: boolean; value: T; error?: { message: string } };
        if (body.ok) resolve(body.value);
        else reject(new Error(`${name}: ${res.statusCode} ${body.error?.message}`));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const { token } = await call<{ token: string }>('setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } });

/** Peak resident memory (sampled, MB) of each step, by name. */
const stepPeaks: Record<string, number> = {};
const timed = async <T>(name: string, fn: () => Promise<T>): Promise<[T, number]> => {
  stepPeak = process.memoryUsage().rss;
  const t = performance.now();
  const v = await fn();
  stepPeaks[name] = Math.round(Math.max(stepPeak, process.memoryUsage().rss) / MB);
  return [v, Math.round(performance.now() - t)];
};

const [receipt, uploadMs] = await timed('upload', async () => {
  const res = await fetch(`${host.url}/api/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` },
    body: await fs.openAsBlob(file),
  });
  const body = (await res.json()) as { ok: boolean; value: { uploadId: string; size: number }; error?: { message: string } };
  if (!body.ok) throw new Error(`upload: ${res.status} ${body.error?.message}`);
  return body.value;
});
const [inspection, inspectMs] = await timed('inspect', () => call<{ rows: number; partial?: { bytesRead: number } }>('assets.inspectCsv', { uploadId: receipt.uploadId }, token));
const input = { format: 'snipe-it-assets', uploadId: receipt.uploadId };
const [preview, previewMs] = await timed('preview', () => call<{ rows: number; created: number; errors: unknown[] }>('assets.import', { ...input, dryRun: true }, token));
const [done, commitMs] = commit ? await timed('commit', () => call<{ created: number; errors: unknown[] }>('assets.import', { ...input, dryRun: false }, token)) : [null, null];

clearInterval(sampler);
await host.close();
rt.close();
fs.rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify(
    {
      file: { mb: Math.round((bytes / MB) * 10) / 10, rows, bytesPerRow: Math.round(bytes / rows) },
      uploadMs,
      inspect: { ms: inspectMs, headRows: inspection.rows, headBytes: inspection.partial?.bytesRead ?? null },
      preview: { ms: previewMs, rows: preview.rows, created: preview.created, errors: preview.errors.length },
      commit: done ? { ms: commitMs, created: done.created, errors: done.errors.length, rowsPerSecond: Math.round((done.created / commitMs!) * 1000) } : null,
      peakRssMb: Math.round(peakRss / MB),
      peakRssMbByStep: stepPeaks,
      // The kernel's own high-water mark of the process (every thread, no sampling gap); Linux only.
      vmHwmMb: vmHwmMb(),
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
    },
    null,
    2,
  ),
);
