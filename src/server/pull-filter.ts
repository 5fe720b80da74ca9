/**
 * Role-filtered pulls: a page of the change log, cut to what the reader may receive (shared/sync/
 * access `mayRead`), with secrets removed from every record. A requester receives their own tickets
 * and the public comments on them; no device ever receives a password hash. Records a reader may
 * not see are skipped, but the cursor still moves past them, so the next page starts after them.
 */
import { isKnownEntity, ruleFor } from '../shared/sync/entities';
import { mayRead, publicData, readNeedsParent, readWithdraws, type Principal } from '../shared/sync/access';
import { movedOutChange } from './store/moves';
import type { Change } from '../shared/sync/wire';
import { recordKey, type ServerStore } from './store/types';

/** A moved-out entry names a record and its new site and carries no data (see store/moves.ts). */
const isMovedOut = (c: Change) => c.createdAt === '' && Object.keys(c.data).length === 0;

export async function filterPage(store: ServerStore, p: Principal, changes: Change[]): Promise<Change[]> {
  // Parents the read rules look at: the latest version in this page, else the stored one.
  const inPage = new Map<string, Record<string, unknown>>();
  for (const c of changes) if (!isMovedOut(c)) inPage.set(recordKey(c.entity, c.id), c.data);
  const wanted: { entity: string; id: string }[] = [];
  for (const c of changes) {
    if (isMovedOut(c) || !readNeedsParent(p.role, c.entity)) continue;
    const parent = ruleFor(c.entity).parent!;
    const pid = c.data[parent.field];
    if (typeof pid === 'string' && !inPage.has(recordKey(parent.entity, pid))) wanted.push({ entity: parent.entity, id: pid });
  }
  const stored = wanted.length ? await store.readRecords(wanted) : new Map();
  const out: Change[] = [];
  for (const c of changes) {
    if (isMovedOut(c)) {
      out.push(c);
      continue;
    }
    if (!isKnownEntity(c.entity)) continue;
    let parent: Record<string, unknown> | null = null;
    if (readNeedsParent(p.role, c.entity)) {
      const rule = ruleFor(c.entity).parent!;
      const pid = c.data[rule.field];
      const key = typeof pid === 'string' ? recordKey(rule.entity, pid) : '';
      parent = inPage.get(key) ?? stored.get(key)?.data ?? null;
    }
    if (!mayRead(p, c.entity, c.data, parent)) {
      // A record the reader may have held (an article that was published and public) is taken back.
      if (readWithdraws(p.role, c.entity)) out.push(movedOutChange({ seq: c.seq, entity: c.entity, id: c.id, scope_id: '' }));
      continue;
    }
    const data = publicData(c.entity, c.data);
    if (data === c.data) out.push(c);
    else {
      const fieldHlc = { ...c.fieldHlc };
      for (const f of ruleFor(c.entity).secret ?? []) delete fieldHlc[f];
      out.push({ ...c, data, fieldHlc });
    }
  }
  return out;
}
