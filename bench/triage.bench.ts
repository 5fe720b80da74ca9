/**
 * `npm run bench:triage -- [--tickets 100000] [--seed 7] [--queries 300]`: seeds a fresh temporary store
 * with realistic tickets (most of them resolved), trains the triage model as the device does, and
 * prints one JSON object: training time and size, and the latency of `triage.suggest` (category,
 * group and similar tickets) for new ticket texts. Not a test: it asserts nothing and only reports.
 */
import path from 'node:path';
import { openStore } from '../src/main/db/open';
import { systemClock, type Actor, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { createSite } from '../src/main/services/directory/sites';
import { createGroup } from '../src/main/services/directory/groups';
import { createUser, loadActor } from '../src/main/services/directory/users';
import { hashPassword } from '../src/main/services/auth/password';
import { generateTickets, insertGeneratedTickets, mulberry32 } from '../src/main/services/tickets/generate';
import { MAX_TRAINING, suggestTriage, trainTriageModel } from '../src/main/services/triage/triage';
import { tempDir } from '../src/main/testing';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}
const TICKETS = arg('tickets', 100_000);
const SEED = arg('seed', 7);
const QUERIES = arg('queries', 300);
const BATCH = 50_000;
const log = (msg: string) => process.stderr.write(`[bench:triage] ${msg}\n`);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { n: s.length, median_ms: r3(q(0.5)), p95_ms: r3(q(0.95)), p99_ms: r3(q(0.99)), max_ms: r3(s[s.length - 1]!) };
}

async function main() {
  const tmp = tempDir('outpost-bench-triage-');
  const store = openStore(path.join(tmp.dir, 'outpost.db'));
  try {
    const ctx = (actor: Actor | null, call = 'bench'): Ctx => ({ store, clock: systemClock, actor, call });
    const session = initialize(ctx(null, 'setup.init'), {
      admin: { username: 'admin', displayName: 'Bench Admin', password: 'bench-password' },
      site: { name: 'Head Office', code: 'HQ' },
    });
    const admin = loadActor(store.sqlite, session.user.id)!;
    const actx = ctx(admin);
    const sites = [admin.siteIds[0]!, createSite(actx, { name: 'Warehouse' }).id];
    const hash = hashPassword('bench-password');
    const techs = Array.from({ length: 10 }, (_, i) =>
      createUser(actx, { username: `tech${i}`, displayName: `Tech ${i}`, role: 'technician', password: 'x', siteIds: sites }, { passwordHash: hash }).id,
    );
    const requesters = Array.from({ length: 100 }, (_, i) =>
      createUser(actx, { username: `user${i}`, displayName: `User ${i}`, role: 'requester', password: 'x', siteIds: [sites[i % 2]!] }, { passwordHash: hash }).id,
    );
    const groups = ['Service Desk', 'Desktop', 'Network', 'Servers', 'Field Services'].map((name) => createGroup(actx, { name }).id);
    const rng = mulberry32(SEED);
    const now = systemClock.now();
    const gen = { now, days: Math.max(30, Math.ceil(TICKETS / 300)), siteIds: sites, groupIds: groups, technicianIds: techs, requesterIds: requesters };
    for (let done = 0; done < TICKETS; done += BATCH) {
      insertGeneratedTickets(actx, generateTickets(rng, Math.min(BATCH, TICKETS - done), gen));
      log(`inserted ${Math.min(done + BATCH, TICKETS)} / ${TICKETS}`);
    }
    const tech = loadActor(store.sqlite, techs[0]!)!;
    const tctx = ctx(tech, 'triage.suggest');
    const resolved = store.sqlite.prepare("SELECT count(*) FROM tickets WHERE status IN ('resolved', 'closed')").pluck().get() as number;

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const model = await trainTriageModel(tctx);
    const trainMs = performance.now() - t0;
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    log(`trained on ${model?.trainedOn} tickets in ${Math.round(trainMs)} ms`);

    // New tickets' texts (another seed: not in the store).
    const queries = generateTickets(mulberry32(SEED + 1), QUERIES, gen).map((t) => ({ title: t.title, description: t.description }));
    suggestTriage(tctx, queries[0]!); // warm the statement cache once
    const all: number[] = [];
    const allCpu: number[] = [];
    const titleOnly: number[] = [];
    let similarFound = 0;
    for (const q of queries) {
      let t = performance.now();
      const cpu = process.cpuUsage();
      const s = suggestTriage(tctx, q);
      all.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      allCpu.push((used.user + used.system) / 1000);
      similarFound += s.similar.length;
      // While the title is still being typed: fewer words, the common case in the form.
      t = performance.now();
      suggestTriage(tctx, { title: q.title.split(' ').slice(0, 3).join(' '), description: '' });
      titleOnly.push(performance.now() - t);
    }
    const out = {
      tickets: TICKETS,
      resolved_in_store: resolved,
      seed: SEED,
      training: {
        trained_on: model?.trainedOn ?? 0,
        cap: MAX_TRAINING,
        ms: Math.round(trainMs),
        vocabulary: model?.vocab.index.size ?? 0,
        categories: model?.category?.labels.length ?? 0,
        groups: model?.group?.labels.length ?? 0,
        // The model's weights (one 4-byte float per word and label) and the heap it left behind once collected.
        model_weights_mb: model ? r3(((model.category?.labels.length ?? 0) + (model.group?.labels.length ?? 0)) * model.vocab.index.size * 4 / 1e6) : 0,
        heap_growth_mb: global.gc ? r3((heapAfter - heapBefore) / 1e6) : null,
      },
      suggest_full_text: stats(all),
      // CPU time of the same calls: what the suggestion itself costs when other processes share the cores.
      suggest_full_text_cpu: stats(allCpu),
      suggest_first_words_of_title: stats(titleOnly),
      similar_per_query: r3(similarFound / queries.length),
      note: 'suggest = category + group (naive Bayes) + 5 similar tickets (the newest FTS5 matches of the 6 rarest words, scored by TF-IDF cosine); wall time in-process, one store on disk',
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    store.close();
    tmp.cleanup();
  }
}

void main();
