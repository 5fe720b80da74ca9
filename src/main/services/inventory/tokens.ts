/**
 * Inventory agents authenticate with a per-site token, not a user session: an agent runs
 * unattended on every machine, so a leaked token may only post inventories to one site.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { AppError } from '../../../shared/result';
import type { AgentToken } from '../../../shared/api/assets';

export function listAgentTokens(ctx: Ctx): AgentToken[] {
  requireActor(ctx);
  return ctx.store.sqlite
    .prepare(
      `SELECT s.id AS siteId, s.name AS siteName, t.token, t.last_report_at AS lastReportAt
       FROM sites s LEFT JOIN inventory_agent_tokens t ON t.site_id = s.id WHERE s.deleted_hlc IS NULL ORDER BY s.name COLLATE NOCASE`,
    )
    .all() as AgentToken[];
}

export function rotateAgentToken(ctx: Ctx, siteId: string): AgentToken {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const site = sqlite.prepare('SELECT name FROM sites WHERE id = ? AND deleted_hlc IS NULL').pluck().get(siteId) as string | undefined;
  if (!site) throw new AppError('invalid_input', 'No such site.', [{ path: ['siteId'], message: 'Unknown site.' }]);
  const token = randomBytes(24).toString('base64url');
  write(ctx, (w) => {
    sqlite
      .prepare(
        `INSERT INTO inventory_agent_tokens (site_id, token, created_at) VALUES (?, ?, ?)
         ON CONFLICT(site_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`,
      )
      .run(siteId, token, w.now);
    // The token itself stays out of the trail: the trail is exported as evidence.
    w.audit('inventory_agent_token', siteId, null, { rotated: true });
  });
  return { siteId, siteName: site, token, lastReportAt: null };
}

/** The site whose token this is, or null. Constant-time per comparison. */
export function siteForAgentToken(sqlite: Database.Database, token: string | null): string | null {
  if (!token) return null;
  const given = Buffer.from(token);
  for (const r of sqlite.prepare('SELECT site_id AS siteId, token FROM inventory_agent_tokens').all() as { siteId: string; token: string }[]) {
    const t = Buffer.from(r.token);
    if (t.length === given.length && timingSafeEqual(t, given)) return r.siteId;
  }
  return null;
}
