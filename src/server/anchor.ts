/**
 * Audit chain anchors: each push carries the device's chain head and length; the server keeps
 * every one it acknowledges, so a device's rewritten or cut trail shows against what the server
 * vouched for. A refused anchor is answered in words and never stops the push.
 */
import type { AuditAnchorReply } from '../shared/sync/wire';
import type { ServerStore } from './store/types';

/** How many acknowledged anchors GET /sync/audit-anchors returns at most. */
export const ANCHOR_HISTORY_MAX = 1000;

const count = (n: number) => n.toLocaleString('en-US');
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export async function answerAnchor(store: ServerStore, deviceId: string, anchor: { head: string; length: number }, nowIso: string): Promise<AuditAnchorReply> {
  const r = await store.acknowledgeAuditAnchor(deviceId, anchor, nowIso);
  if (r.ok) return { status: 'acknowledged', head: r.anchor.head, length: r.anchor.length, at: r.anchor.at };
  const reason =
    r.reason === 'shorter'
      ? `The audit trail is shorter than the server acknowledged: ${count(r.last.length)} events on ${when(r.last.at)}, ${count(anchor.length)} now. Its newest events were removed.`
      : `Event ${count(anchor.length)} of the audit trail differs from what the server acknowledged on ${when(r.last.at)}: the trail was rewritten.`;
  return { status: 'refused', reason, last: r.last };
}
