/**
 * Sync rules for problem and change management (issue 12): problems with their linked incidents (a
 * set) and post-incident review actions (append-only), changes with their affected assets (a set)
 * and approvals (append-only votes, one record per vote, so votes given offline on two laptops all
 * count). Staff write them; auditors read them; requesters receive none. Merged into ENTITY_RULES.
 */
import { z } from 'zod';
import { APPROVAL_DECISIONS, CHANGE_RISKS, CHANGE_STATUSES, CHANGE_TYPES, PROBLEM_STATUSES } from '../itsm/rules';
import { numberOrProvisional } from '../numbers';
import type { EntityRule, WriterRole } from './entity-rule';

const id = z.string().min(1).max(80);
const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const bool01 = z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => (v === true ? 1 : v === false ? 0 : v));
const priority = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
const optDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Dates look like 2026-03-31.' })
  .nullable();

const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/, { message: 'Times look like 2026-03-31T22:00:00.000Z.' });

const STAFF: readonly WriterRole[] = ['admin', 'technician'];

const PROBLEM_RULES: Record<string, EntityRule> = {
  problems: {
    home: 'site',
    fixed: ['number'],
    identity: ['created_by'],
    merge: 'record',
    writers: STAFF,
    textFields: ['description', 'root_cause', 'workaround', 'review_impact', 'review_causes'],
    contested: ['owner_id', 'group_id', 'priority'],
    fields: {
      number: z.string().regex(numberOrProvisional(['PRB']), { message: 'Problem numbers look like PRB0000001 (or PRB-P-3F9A2C-1 while provisional).' }),
      title: str(300).min(1),
      description: optStr(50_000),
      status: z.enum(PROBLEM_STATUSES, { message: `A problem's status is one of ${PROBLEM_STATUSES.join(', ')}.` }),
      root_cause: optStr(50_000),
      workaround: optStr(50_000),
      known_error: bool01,
      owner_id: id.nullable(),
      group_id: id.nullable(),
      priority,
      fix_change_id: id.nullable(),
      created_by: id,
      review_impact: optStr(50_000),
      review_causes: optStr(50_000),
    },
  },
  // Linked incidents: one member per (problem, ticket), so two devices linking the same incident merge.
  problem_incidents: {
    home: 'site',
    merge: 'set',
    parent: { field: 'problem_id', entity: 'problems' },
    writers: STAFF,
    fields: { problem_id: id, ticket_id: id },
  },
  // The post-incident review's actions: append-only, each with its owner and due date.
  problem_actions: {
    home: 'site',
    identity: ['author_id'],
    merge: 'append',
    parent: { field: 'problem_id', entity: 'problems' },
    writers: STAFF,
    fields: { problem_id: id, author_id: id, description: str(5000).min(1), owner_id: id.nullable(), due_on: optDay },
  },
};

const CHANGE_FIELDS = {
  number: z.string().regex(numberOrProvisional(['CHG']), { message: 'Change numbers look like CHG0000001 (or CHG-P-3F9A2C-1 while provisional).' }),
  title: str(300).min(1),
  type: z.enum(CHANGE_TYPES, { message: `A change is ${CHANGE_TYPES.join(', ')}.` }),
  description: optStr(50_000),
  status: z.enum(CHANGE_STATUSES, { message: `A change's status is one of ${CHANGE_STATUSES.join(', ')}.` }),
  risk: z.enum(CHANGE_RISKS, { message: `A change's risk is ${CHANGE_RISKS.join(', ')}.` }),
  impact: optStr(20_000),
  implementation_plan: optStr(50_000),
  test_plan: optStr(50_000),
  backout_plan: optStr(50_000),
  window_start: isoTime.nullable(),
  window_end: isoTime.nullable(),
  owner_id: id.nullable(),
  group_id: id.nullable(),
  created_by: id,
  // A new id whenever the plan changes while the change awaits approval (shared/itsm/rules replanRefusal).
  approval_round: id.nullable(),
};

const CHANGE_RULES: Record<string, EntityRule> = {
  // The status machine and the quorum are checked on the server with the change's votes (see access.ts).
  changes: {
    home: 'site',
    fixed: ['number'],
    identity: ['created_by'],
    merge: 'record',
    writers: STAFF,
    textFields: ['description', 'impact', 'implementation_plan', 'test_plan', 'backout_plan'],
    contested: ['owner_id', 'group_id', 'window_start', 'window_end', 'type', 'risk'],
    fields: CHANGE_FIELDS,
  },
  // Affected assets: one member per (change, asset).
  change_assets: {
    home: 'site',
    merge: 'set',
    parent: { field: 'change_id', entity: 'changes' },
    writers: STAFF,
    fields: { change_id: id, asset_id: id },
  },
  // Votes: append-only, one record per vote; an approver's latest vote in the change's current
  // approval round counts. The server sets the approver from the signed-in person and checks they
  // hold the approver role.
  change_approvals: {
    home: 'site',
    identity: ['approver_id'],
    merge: 'append',
    parent: { field: 'change_id', entity: 'changes' },
    writers: STAFF,
    fields: {
      change_id: id,
      approver_id: id,
      decision: z.enum(APPROVAL_DECISIONS, { message: 'A vote approves or rejects.' }),
      comment: optStr(5000),
      // The change's approval round the vote approves; a vote of an earlier round no longer counts.
      round: id.nullable(),
    },
  },
};

export const ITSM_ENTITY_RULES: Record<string, EntityRule> = { ...PROBLEM_RULES, ...CHANGE_RULES };
