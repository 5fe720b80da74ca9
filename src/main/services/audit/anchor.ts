/**
 * The audit chain anchored with the server. Each push carries the chain's length and the hash of
 * its newest event; the server acknowledges it and the device keeps the last acknowledged anchor
 * in meta. Verification then checks that the event at the anchored position still has the
 * anchored hash: a store whose trail was rewritten (even with the chain recomputed) or cut shows
 * it after its next sync.
 */
import type Database from 'better-sqlite3';
import type { AnchorCheck } from '../../../shared/api/audit';
import type { AuditAnchor, AuditAnchorReply } from '../../../shared/sync/wire';
import { getMeta, getMetaJson, setMeta, setMetaJson } from '../core/meta';

/** Kept outside `sync.*`, so leaving a server does not forget what it vouched for. */
export const ANCHOR_KEYS = {
  anchor: 'audit.anchor',
  refused: 'audit.anchor_refused',
  sent: 'audit.anchor_sent',
} as const;

/** The last acknowledged anchor, with the local sequence number of the anchored event. */
export interface StoredAnchor extends AuditAnchor {
  seq: number;
}

/** The chain as it stands: how many events, the newest's hash and sequence number (null when empty). */
export interface ChainTip {
  head: string;
  length: number;
  seq: number;
}

export function chainTip(sqlite: Database.Database): ChainTip | null {
  const r = sqlite
    .prepare('SELECT (SELECT count(*) FROM audit_events) AS length, hash AS head, seq FROM audit_events ORDER BY seq DESC LIMIT 1')
    .get() as ChainTip | undefined;
  return r ?? null;
}

export function storedAnchor(sqlite: Database.Database): StoredAnchor | null {
  return getMetaJson<StoredAnchor | null>(sqlite, ANCHOR_KEYS.anchor, null);
}

/** Whether a push should carry this tip even with no ops to send (it was not answered yet). */
export function anchorWanted(sqlite: Database.Database, tip: ChainTip): boolean {
  return getMeta(sqlite, ANCHOR_KEYS.sent) !== `${tip.length}:${tip.head}`;
}

/** Whether the local chain still holds the stored anchor's event (by its sequence number: one lookup). */
function stillHolds(sqlite: Database.Database, a: StoredAnchor): boolean {
  return sqlite.prepare('SELECT hash FROM audit_events WHERE seq = ?').pluck().get(a.seq) === a.head;
}

/**
 * Records the server's answer to the anchor a push carried (call inside the transaction that
 * acknowledges the push's ops). A new acknowledged anchor replaces the stored one only while the
 * local chain still holds the stored one: once the trail was rewritten or cut, the anchor that
 * shows it stays until someone looks.
 */
export function noteAnchorReply(sqlite: Database.Database, tip: ChainTip, reply: AuditAnchorReply | undefined, nowIso: string): void {
  setMeta(sqlite, ANCHOR_KEYS.sent, `${tip.length}:${tip.head}`);
  if (!reply) return;
  if (reply.status === 'refused') {
    setMetaJson(sqlite, ANCHOR_KEYS.refused, { reason: reply.reason, at: nowIso, length: tip.length, head: tip.head });
    return;
  }
  if (reply.length !== tip.length || reply.head !== tip.head) return;
  const prev = storedAnchor(sqlite);
  if (prev && !stillHolds(sqlite, prev)) return;
  setMetaJson(sqlite, ANCHOR_KEYS.anchor, { head: reply.head, length: reply.length, at: reply.at, seq: tip.seq } satisfies StoredAnchor);
  setMetaJson(sqlite, ANCHOR_KEYS.refused, null);
}

const count = (n: number) => n.toLocaleString('en-US');
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The local chain against the last anchor the server acknowledged, in words for an auditor. */
export function checkAnchor(sqlite: Database.Database): AnchorCheck {
  const a = storedAnchor(sqlite);
  const refused = getMetaJson<{ reason: string; at: string } | null>(sqlite, ANCHOR_KEYS.refused, null);
  if (!a) {
    if (refused) return { state: 'refused', length: null, head: null, at: null, message: `The server refused this trail on ${when(refused.at)}: ${refused.reason}` };
    return { state: 'none', length: null, head: null, at: null, message: 'Not anchored: no server has acknowledged this trail yet (it is anchored at the next sync with a server).' };
  }
  const base = { length: a.length, head: a.head, at: a.at };
  const held = sqlite.prepare('SELECT count(*) FROM audit_events').pluck().get() as number;
  if (held < a.length) {
    return { ...base, state: 'cut', message: `The trail was cut: the server acknowledged ${count(a.length)} events on ${when(a.at)}, this store holds ${count(held)}.` };
  }
  // By position, not sequence number: a forger may renumber the events too.
  const hash = sqlite.prepare('SELECT hash FROM audit_events ORDER BY seq LIMIT 1 OFFSET ?').pluck().get(a.length - 1) as string | undefined;
  if (hash !== a.head) {
    return {
      ...base,
      state: 'differs',
      message: `Event ${count(a.length)} differs from what the server acknowledged on ${when(a.at)}: the trail was rewritten at or before it.`,
    };
  }
  if (refused) return { ...base, state: 'refused', message: `The server refused this trail on ${when(refused.at)}: ${refused.reason}` };
  return { ...base, state: 'ok', message: `Matches what the server acknowledged on ${when(a.at)} (${count(a.length)} events).` };
}
