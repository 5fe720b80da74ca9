/**
 * What the server reads beyond a record to judge changes and their votes (shared/sync/access
 * WriteFacts): the change's votes as stored with those earlier in the same push, the team's
 * approval policy, and the groups the writer belongs to.
 */
import type { Principal, WriteFacts } from '../shared/sync/access';
import { DEFAULT_APPROVAL_POLICY, type ApprovalDecision, type ChangeApprovalPolicy, type Vote } from '../shared/itsm/rules';
import { parseSettingValue, teamSettingId } from '../shared/settings/team';
import type { WireOp } from '../shared/sync/wire';
import { recordKey, type StoredRecord, type SyncTx } from './store/types';

const POLICY_ID = teamSettingId('change_approvals');

/** Children of `parentId` of one type, as stored and as written earlier in this push (those win). */
async function childrenNow(tx: SyncTx, records: Map<string, StoredRecord>, entity: string, field: string, parentId: string): Promise<StoredRecord[]> {
  const byId = new Map<string, StoredRecord>();
  for (const r of await tx.childrenOf([{ entity, field }], parentId)) byId.set(r.id, r);
  for (const r of records.values()) if (r.entity === entity && r.data[field] === parentId) byId.set(r.id, r);
  return [...byId.values()].filter((r) => !r.deletedHlc);
}

async function policyOf(tx: SyncTx, records: Map<string, StoredRecord>): Promise<ChangeApprovalPolicy> {
  const key = recordKey('team_settings', POLICY_ID);
  let rec = records.get(key);
  if (!rec) {
    rec = (await tx.loadRecords([{ entity: 'team_settings', id: POLICY_ID }])).get(key);
    if (rec) records.set(key, rec);
  }
  return (!rec || rec.deletedHlc ? null : parseSettingValue('change_approvals', rec.data.value as string | null)) ?? DEFAULT_APPROVAL_POLICY;
}

/** Facts for an op on a change or a vote; null for every other op (nothing to read). */
export async function itsmFacts(tx: SyncTx, records: Map<string, StoredRecord>, principal: Principal, op: WireOp): Promise<WriteFacts | null> {
  let changeId: string | null = null;
  if (op.entity === 'changes' && 'status' in op.payload) changeId = op.recordId;
  else if ((op.entity === 'change_approvals' || op.entity === 'change_assets') && typeof op.payload.change_id === 'string') changeId = op.payload.change_id;
  if (!changeId) return null;
  const policy = await policyOf(tx, records);
  const votes: Vote[] = (await childrenNow(tx, records, 'change_approvals', 'change_id', changeId)).map((r) => ({
    id: r.id,
    approverId: String(r.data.approver_id),
    decision: r.data.decision as ApprovalDecision,
    at: r.createdAt,
    round: (r.data.round as string | null | undefined) ?? null,
  }));
  const groups = policy.groupId
    ? (await childrenNow(tx, records, 'group_members', 'group_id', policy.groupId)).filter((m) => m.data.user_id === principal.id).map(() => policy.groupId!)
    : [];
  return { votes, policy, groups };
}
