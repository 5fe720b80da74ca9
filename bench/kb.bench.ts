/**
 * `npm run bench:kb -- [--articles 10000] [--queries 300]`: knowledge search at scale. Seeds 10,000
 * published articles (titles and bodies built from the shared fixture's 3,000 real helpdesk texts,
 * so words repeat as they do in a real knowledge base), then times `kb.search` (ranked, with
 * snippets, 20 hits) for queries of one to three words drawn from those texts, and `kb.suggest`
 * for whole ticket texts (up to five articles), as a technician and as a requester. Prints JSON
 * with p50/p95/max in milliseconds. Not a test: it asserts nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { openStore } from '../src/main/db/open';
import { systemClock, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { createUser, loadActor } from '../src/main/services/directory/users';
import { tempDir } from '../src/main/testing';
import { searchArticles, suggestArticles } from '../src/main/services/kb/kb';
import { formatHumanNumber } from '../src/shared/numbers';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--articles', 10_000);
const Q = arg('--queries', 300);
const log = (m: string) => process.stderr.write(`[bench:kb] ${m}\n`);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = process.env.OUTPOST_FIXTURES ?? path.resolve(root, '../shared/fixtures');
const csv = fs.readFileSync(path.join(fixtures, 'incidents/helpdesk-ticket-descriptions.csv'), 'utf8').replace(/^\uFEFF/, '');
const texts = (Papa.parse<{ Description: string; Category: string }>(csv, { header: true, skipEmptyLines: true }).data)
  .map((r) => ({ text: r.Description.trim(), category: r.Category.trim() }))
  .filter((r) => r.text.split(' ').length >= 4);

const t = tempDir('outpost-kb-bench-');
const store = openStore(path.join(t.dir, 'kb.db'));
const s = store.sqlite;
const base = { store, clock: systemClock, actor: null, call: 'bench' };
const session = initialize(base, { admin: { username: 'admin', displayName: 'Bench Admin', password: 'password123' }, site: { name: 'HQ' } });
const admin = loadActor(s, session.user.id)!;
const ctx: Ctx = { ...base, actor: admin };
const req = createUser({ ...ctx, call: 'users.create' }, { username: 'rita', displayName: 'Rita Requester', role: 'requester', password: 'password123', siteIds: admin.siteIds, groupIds: [] });
const reqCtx: Ctx = { ...base, actor: loadActor(s, req.id)! };

// A fixed-seed generator, so every run seeds and asks the same.
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;

log(`seeding ${N} articles from ${texts.length} helpdesk texts`);
const now = new Date().toISOString();
const t0 = performance.now();
s.transaction(() => {
  const ins = s.prepare(
    `INSERT INTO kb_articles (id, scope_id, created_at, updated_at, field_hlc, number, title, body, category, status, visibility, owner_id, version, published_at)
     VALUES (?, 'global', ?, ?, '{}', ?, ?, ?, ?, 'published', ?, ?, 1, ?)`,
  );
  for (let i = 1; i <= N; i++) {
    const a = pick(texts);
    const b = pick(texts);
    const c = pick(texts);
    const title = a.text.split(' ').slice(0, 8).join(' ');
    const body = `## Symptoms\n\n${a.text}\n\n## Fix\n\n- ${b.text}\n- ${c.text}\n\n| Step | Check |\n| --- | --- |\n| 1 | ${b.text.split(' ').slice(0, 5).join(' ')} |\n`;
    ins.run(`00000000-0000-7000-8000-${String(i).padStart(12, '0')}`, now, now, formatHumanNumber('KB', i), title, body, a.category, rnd() < 0.5 ? 'public' : 'internal', admin.id, now);
  }
})();
s.exec('ANALYZE');
const seedMs = performance.now() - t0;

function stats(ms: number[]) {
  const x = [...ms].sort((a, b) => a - b);
  const q = (p: number) => Number(x[Math.min(x.length - 1, Math.floor(p * x.length))]!.toFixed(2));
  return { runs: x.length, p50: q(0.5), p95: q(0.95), max: Number(x[x.length - 1]!.toFixed(2)) };
}

function time(fn: () => number): { ms: number[]; hits: number } {
  const ms: number[] = [];
  let hits = 0;
  for (let i = 0; i < Q; i++) {
    const a = performance.now();
    hits += fn();
    ms.push(performance.now() - a);
  }
  return { ms, hits };
}

const queries = Array.from({ length: Q }, () => {
  const words = pick(texts).text.split(' ').filter((w) => w.length > 3);
  const n = 1 + Math.floor(rnd() * 3);
  const start = Math.floor(rnd() * Math.max(1, words.length - n));
  return words.slice(start, start + n).join(' ') || 'password';
});
const tickets = Array.from({ length: Q }, () => pick(texts).text.slice(0, 400));

// Warm the statements once, as a running app has.
searchArticles(ctx, { q: 'password', limit: 20 });
suggestArticles(ctx, 'printer', 5);

let qi = 0;
const search = time(() => searchArticles(ctx, { q: queries[qi++ % Q]!, limit: 20 }).items.length);
qi = 0;
const searchRequester = time(() => searchArticles(reqCtx, { q: queries[qi++ % Q]!, limit: 20 }).items.length);
let ti = 0;
const suggest = time(() => suggestArticles(ctx, tickets[ti++ % Q]!, 5).items.length);

console.log(
  JSON.stringify(
    {
      bench: 'kb',
      articles: N,
      seedMs: Math.round(seedMs),
      search: { ...stats(search.ms), meanHits: Number((search.hits / Q).toFixed(1)) },
      searchAsRequester: { ...stats(searchRequester.ms), meanHits: Number((searchRequester.hits / Q).toFixed(1)) },
      suggest: { ...stats(suggest.ms), meanHits: Number((suggest.hits / Q).toFixed(1)) },
    },
    null,
    2,
  ),
);
store.close();
t.cleanup();
