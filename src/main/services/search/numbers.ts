/**
 * Opens a problem, change or knowledge article by its number, as the palette does for tickets
 * ("PRB0000001", "chg12", "open KB0000003", or a provisional number given offline): the record
 * if the signed-in person may read it, else nothing.
 */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import type { NumberHit } from '../../../shared/api/tickets';
import { ITSM_READERS } from '../../../shared/api/problems';

const KINDS = { PRB: 'problem', CHG: 'change', KB: 'article' } as const;
const TABLES = { problem: 'problems', change: 'changes', article: 'kb_articles' } as const;

/** The number a person typed, written as Outpost stores it, and its kind; null when it is not one. */
export function recordNumber(text: string): { kind: NumberHit['kind']; number: string } | null {
  const t = text.trim().replace(/^open\s+/i, '').toUpperCase();
  const m = /^(PRB|CHG|KB)(?:(\d{1,7})|(-P-[0-9A-F]{6}-[1-9]\d{0,8}))$/.exec(t);
  if (!m) return null;
  const prefix = m[1] as keyof typeof KINDS;
  return { kind: KINDS[prefix], number: m[2] ? `${prefix}${m[2].padStart(7, '0')}` : `${prefix}${m[3]!}` };
}

export function findByNumber(ctx: Ctx, text: string): { items: NumberHit[] } {
  const actor = requireActor(ctx);
  const n = recordNumber(text);
  if (!n) return { items: [] };
  if (n.kind !== 'article' && !ITSM_READERS.includes(actor.role)) return { items: [] };
  // Requesters read only published public articles (as kb.get answers them).
  const readable = n.kind === 'article' && actor.role === 'requester' ? " AND status = 'published' AND visibility = 'public'" : '';
  const row = ctx.store.sqlite.prepare(`SELECT id, number, title FROM ${TABLES[n.kind]} WHERE number = ? AND deleted_hlc IS NULL${readable}`).get(n.number) as
    | { id: string; number: string; title: string }
    | undefined;
  return { items: row ? [{ kind: n.kind, ...row }] : [] };
}
