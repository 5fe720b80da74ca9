/**
 * Server-owned derived fields that depend on more than the record itself: a ticket's priority
 * follows impact × urgency through the team's priority matrix (a synced `team_settings` record)
 * unless set by hand. Applied after every changed ticket and after every matrix change, so the
 * server's copy is authoritative and every device ends with the same value.
 */
import { stampAfter } from '../shared/sync/merge';
import { PRIORITY_MATRIX_ID, derivedPriority, matrixFromRecord } from '../shared/settings/team';
import type { PriorityMatrix } from '../shared/tickets/rules';
import { recordKey, type StoredRecord, type SyncTx } from './store/types';

const MATRIX_KEY = recordKey('team_settings', PRIORITY_MATRIX_ID);
/** Per push: the matrix record was looked up and is not on the server (so the default applies). */
const noMatrix = new WeakSet<Map<string, StoredRecord>>();

/**
 * Records the derivations of these ops will read (the priority matrix when a ticket changes), so a
 * push reads them with the ops' own records instead of one by one.
 */
export function derivedReadsFor(ops: readonly { entity: string }[]): { entity: string; id: string }[] {
  return ops.some((o) => o.entity === 'tickets') ? [{ entity: 'team_settings', id: PRIORITY_MATRIX_ID }] : [];
}

/** After `keys` (from derivedReadsFor) were read into `records`: what was not found is not on the server. */
export function noteDerivedReads(records: Map<string, StoredRecord>, keys: readonly { entity: string; id: string }[]): void {
  if (keys.some((k) => recordKey(k.entity, k.id) === MATRIX_KEY) && !records.has(MATRIX_KEY)) noMatrix.add(records);
}

async function teamMatrix(tx: SyncTx, records: Map<string, StoredRecord>): Promise<PriorityMatrix> {
  let rec = records.get(MATRIX_KEY);
  if (!rec && !noMatrix.has(records)) {
    rec = (await tx.loadRecords([{ entity: 'team_settings', id: PRIORITY_MATRIX_ID }])).get(MATRIX_KEY);
    if (rec) records.set(MATRIX_KEY, rec);
    else noMatrix.add(records);
  }
  return matrixFromRecord(rec);
}

/** Sets the derived priority on `rec` (in place); says whether it changed. */
function derive(rec: StoredRecord, matrix: PriorityMatrix, stamp: string): boolean {
  const p = derivedPriority(rec.data, matrix);
  if (p === null || rec.data.priority === p) return false;
  rec.data.priority = p;
  rec.fieldHlc.priority = stampAfter(rec.fieldHlc.priority, stamp);
  return true;
}

/**
 * Called after an op changed the record at `key` (already in `records` and `dirty`). `stamp` is the
 * op's stamp: derived writes are ordered just after it.
 */
export async function deriveAfterOp(
  tx: SyncTx,
  key: string,
  records: Map<string, StoredRecord>,
  dirty: Map<string, StoredRecord>,
  stamp: string,
): Promise<void> {
  const rec = records.get(key);
  if (!rec || rec.deletedHlc) return;
  if (rec.entity === 'tickets') {
    derive(rec, await teamMatrix(tx, records), stamp);
    return;
  }
  if (key !== MATRIX_KEY) return;
  noMatrix.delete(records);
  const matrix = matrixFromRecord(rec);
  // Open tickets as stored, with copies already changed earlier in this push taking precedence.
  const todo = new Map<string, StoredRecord>();
  for (const t of await tx.openTickets()) todo.set(recordKey('tickets', t.id), t);
  for (const [k, r] of records) if (r.entity === 'tickets') todo.set(k, r);
  for (const [k, t] of todo) {
    const own = records.get(k) === t;
    // A stored copy must not carry an earlier write's site moves into this one.
    const { movedFrom: _moved, ...stored } = t;
    const copy: StoredRecord = own ? t : { ...stored, data: { ...t.data }, fieldHlc: { ...t.fieldHlc }, fieldSeq: { ...t.fieldSeq } };
    if (!derive(copy, matrix, stamp)) continue;
    records.set(k, copy);
    // Written after the matrix record, so a device never meets the new priorities before the matrix.
    dirty.delete(k);
    dirty.set(k, copy);
  }
}
