/**
 * Sync rules for problem and change management (issue 12): problems with their linked incidents (a
 * set) and post-incident review actions (append-only), changes with their affected assets (a set)
 * and approvals (append-only votes, one record per vote, so votes given offline on two laptops all
 * count). Staff write them; auditors read them; requesters receive none. Merged into ENTITY_RULES.
 */
import { z } from 'zod';
import { PROBLEM_STATUSES } from '../itsm/rules';
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

const STAFF: readonly WriterRole[] = ['admin', 'technician'];

export const ITSM_ENTITY_RULES: Record<string, EntityRule> = {
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
