/**
 * Seeds (once) the store `npm run bench:dashboards` measures: sites, technicians, groups and
 * generated tickets with their history, written through the same write path as the app. Kept in a
 * directory so later runs reuse it (building a million tickets takes a while).
 */
import path from 'node:path';
import fs from 'node:fs';
import { openStore } from '../src/main/db/open';
import { systemClock, type Actor, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { createSite } from '../src/main/services/directory/sites';
import { createGroup } from '../src/main/services/directory/groups';
import { createUser, loadActor } from '../src/main/services/directory/users';
import { hashPassword } from '../src/main/services/auth/password';
import { generateTickets, insertGeneratedTickets, mulberry32 } from '../src/main/services/tickets/generate';

const BATCH = 50_000;

/** The store file in `dir`, seeded with `tickets` generated tickets when it does not exist yet. */
export function seededStore(dir: string, tickets: number, seed: number, log: (m: string) => void): string {
  const file = path.join(dir, 'outpost.db');
  const done = path.join(dir, `seeded-${tickets}-${seed}`);
  if (fs.existsSync(done)) return file;
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  const store = openStore(file, { key: null });
  try {
    const ctx = (actor: Actor | null, call = 'bench'): Ctx => ({ store, clock: systemClock, actor, call });
    const session = initialize(ctx(null, 'setup.init'), {
      admin: { username: 'admin', displayName: 'Bench Admin', password: 'bench-password' },
      site: { name: 'Head Office', code: 'HQ' },
    });
    const admin = loadActor(store.sqlite, session.user.id)!;
    const actx = ctx(admin);
    const sites = [admin.siteIds[0]!, createSite(actx, { name: 'Warehouse' }).id, createSite(actx, { name: 'Field' }).id];
    const hash = hashPassword('bench-password');
    const techs = Array.from(
      { length: 25 },
      (_, i) =>
        createUser(
          actx,
          { username: `tech${i}`, displayName: `Tech ${i}`, role: 'technician', password: 'x', siteIds: [sites[i % 3]!] },
          { passwordHash: hash },
        ).id,
    );
    const requesters = Array.from(
      { length: 400 },
      (_, i) =>
        createUser(
          actx,
          { username: `user${i}`, displayName: `User ${i}`, role: 'requester', password: 'x', siteIds: [sites[i % 3]!] },
          { passwordHash: hash },
        ).id,
    );
    const groups = ['Service Desk', 'Desktop', 'Network', 'Servers', 'Field Services'].map(
      (name, g) => createGroup(actx, { name, memberIds: techs.filter((_, i) => i % 5 === g) }).id,
    );
    const rng = mulberry32(seed);
    const now = systemClock.now();
    const days = Math.max(30, Math.ceil(tickets / 300));
    for (let at = 0; at < tickets; at += BATCH) {
      const n = Math.min(BATCH, tickets - at);
      insertGeneratedTickets(
        actx,
        generateTickets(rng, n, { now, days, siteIds: sites, groupIds: groups, technicianIds: techs, requesterIds: requesters }),
      );
      log(`seeded ${at + n} / ${tickets} tickets`);
    }
  } finally {
    store.close();
  }
  fs.writeFileSync(done, new Date().toISOString());
  return file;
}

// `tsx bench/dashboards-seed.ts DIR N`: seed ahead of the bench.
if (process.argv[1] && process.argv[1].endsWith('dashboards-seed.ts')) {
  const dir = path.resolve(process.argv[2] ?? '/tmp/outpost-dashboards-bench');
  seededStore(dir, Number(process.argv[3] ?? 1_000_000), 7, (m) => process.stderr.write(`[seed] ${m}\n`));
}
