import { makeWorld } from '../src/main/testing';
import { generateTickets, insertGeneratedTickets, mulberry32 } from '../src/main/services/tickets/generate';
const variant = process.argv[2] ?? 'base';
const w = makeWorld();
const tech = w.user('technician', 'tt');
const req = w.user('requester', 'rr');
const specs = generateTickets(mulberry32(1), 20000, { now: w.clock.now(), siteIds: [w.siteId], groupIds: [], technicianIds: [tech.id], requesterIds: [req.id] });
const s = w.store.sqlite;
if (variant === 'nocommentfts') s.exec('DROP TRIGGER ticket_comments_fts_ai');
if (variant === 'nofts') { s.exec('DROP TRIGGER ticket_comments_fts_ai'); s.exec('DROP TRIGGER tickets_fts_ai'); }
if (variant === 'noidx') for (const n of s.prepare("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='tickets' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]) s.exec(`DROP INDEX ${n}`);
const t = performance.now();
insertGeneratedTickets(w.ctx(w.admin), specs);
const ms = performance.now() - t;
console.log(variant, Math.round(20000 / (ms / 1000)), 'rows/s');
w.dispose();
