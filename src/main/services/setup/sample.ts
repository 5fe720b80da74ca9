/** Sample data: a realistic small IT team with sites, groups, people and a few thousand tickets. */
import type { Ctx } from '../core/context';
import { createSite, listSites } from '../directory/sites';
import { createGroup } from '../directory/groups';
import { createUser } from '../directory/users';
import { hashPassword } from '../auth/password';
import { generateTickets, insertGeneratedTickets, type Rng, mulberry32 } from '../tickets/generate';
import { requireActor } from '../core/write';
import { SAMPLE_PASSWORD } from '../../../shared/api/setup';

const SITES = [
  { name: 'Head Office', code: 'HQ', timezone: 'Europe/London' },
  { name: 'Northern Warehouse', code: 'NWH', timezone: 'Europe/London' },
  { name: 'Field Operations', code: 'FLD', timezone: 'Europe/London' },
];
const GROUPS = ['Service Desk', 'Desktop Support', 'Network Operations', 'Server Team', 'Field Services'];
const FIRST = ['Alex', 'Sam', 'Priya', 'Jonas', 'Maria', 'Chen', 'Fatima', 'Liam', 'Noah', 'Olivia', 'Aisha', 'Tom', 'Ines', 'Kofi', 'Yuki', 'Elena', 'Omar', 'Grace', 'Lukas', 'Sofia'];
const LAST = ['Walker', 'Patel', 'Okafor', 'Berg', 'Garcia', 'Wang', 'Haddad', 'Murphy', 'Novak', 'Silva', 'Kim', 'Rossi', 'Dubois', 'Mensah', 'Tanaka', 'Ivanova'];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

export function loadSampleData(ctx: Ctx, opts: { tickets: number; seed?: number }): { tickets: number } {
  requireActor(ctx);
  const rng = mulberry32(opts.seed ?? 42);
  const existing = new Set(listSites(ctx).map((s) => s.name.toLowerCase()));
  const sites = [...listSites(ctx)];
  for (const s of SITES) if (!existing.has(s.name.toLowerCase())) sites.push(createSite(ctx, s));
  const hash = hashPassword(SAMPLE_PASSWORD);
  const techs: string[] = [];
  const requesters: string[] = [];
  const used = new Set<string>();
  const person = (role: 'technician' | 'requester' | 'auditor') => {
    let first: string;
    let last: string;
    let username: string;
    do {
      first = pick(rng, FIRST);
      last = pick(rng, LAST);
      username = `${first}.${last}`.toLowerCase();
    } while (used.has(username));
    used.add(username);
    const exists = ctx.store.sqlite.prepare('SELECT id FROM users WHERE username = ?').pluck().get(username) as string | undefined;
    if (exists) return exists;
    return createUser(
      ctx,
      { username, displayName: `${first} ${last}`, email: `${username}@example.org`, role, password: SAMPLE_PASSWORD, siteIds: [pick(rng, sites).id] },
      { passwordHash: hash },
    ).id;
  };
  for (let i = 0; i < 10; i++) techs.push(person('technician'));
  for (let i = 0; i < 60; i++) requesters.push(person('requester'));
  person('auditor');
  const groups = GROUPS.map((name, i) => {
    const g = ctx.store.sqlite.prepare('SELECT id FROM groups WHERE name = ?').pluck().get(name) as string | undefined;
    return g ?? createGroup(ctx, { name, memberIds: techs.filter((_, j) => j % GROUPS.length === i || j % 3 === i % 3) }).id;
  });
  const specs = generateTickets(rng, opts.tickets, {
    now: ctx.clock.now(),
    siteIds: sites.map((s) => s.id),
    groupIds: groups,
    technicianIds: [...techs, requireActor(ctx).id],
    requesterIds: requesters,
  });
  insertGeneratedTickets(ctx, specs);
  return { tickets: specs.length };
}
