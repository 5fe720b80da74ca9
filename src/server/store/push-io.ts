/**
 * A push's reads and writes made of the store's single steps, for a store where a round trip costs
 * nothing (embedded SQLite). The PostgreSQL store sends each group as one statement instead.
 */
import type { PushReads, PushReadsResult, PushWrites, SyncTx } from './types';

type Steps = Omit<SyncTx, 'readForPush' | 'writeForPush'>;

export async function readForPushStepwise(tx: Steps, q: PushReads): Promise<PushReadsResult> {
  const seen = await tx.seenOps(q.deviceId, q.seqs);
  const seenIds = await tx.seenOpIds(q.opIds);
  const records = await tx.loadRecords(q.keys);
  const numberOwner = await tx.findNumbers(q.numbers);
  const leases = await tx.leasesFor(q.prefixes);
  const maxHlc = await tx.getMaxHlc();
  return { seen, seenIds, records, numberOwner, leases, maxHlc };
}

export async function writeForPushStepwise(tx: Steps, w: PushWrites, head: () => Promise<number>): Promise<{ head: number; announced: boolean }> {
  for (const c of w.counters) await tx.bumpCounter(c.prefix, c.n);
  await tx.writeRecords(w.records);
  if (w.touched.length) await tx.touchUpdatedAt(w.touched);
  await tx.saveOpResults(w.deviceId, w.results);
  await tx.setMaxHlc(w.maxHlc);
  // Announced by the caller once the transaction has committed.
  return { head: await head(), announced: false };
}
