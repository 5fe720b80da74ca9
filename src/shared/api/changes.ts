/** Change management: standard, normal and emergency changes, their plans and schedule window, approvals with a quorum, and the change calendar with its collisions. */
import { z } from 'zod';
import { ADMIN, call, STAFF } from './contract';
import { id, trimmed } from './common';
import { ITSM_READERS } from './problems';
import {
  APPROVAL_DECISIONS,
  CHANGE_RISKS,
  CHANGE_STATUSES,
  CHANGE_TYPES,
  type ApprovalDecision,
  type ChangeApprovalPolicy,
  type ChangeRisk,
  type ChangeStatus,
  type ChangeType,
  type Tally,
} from '../itsm/rules';

/** Another change whose window overlaps this one's on the same site or a shared asset. */
export interface ChangeCollision {
  id: string;
  number: string;
  title: string;
  windowStart: string;
  windowEnd: string;
  /** Why: the same site, and/or the shared assets' tags. */
  sameSite: boolean;
  assetTags: string[];
}

export interface ChangeSummary {
  id: string;
  number: string;
  type: ChangeType;
  title: string;
  /** The status the change is in: while it awaits approval, its votes decide (scheduled, rejected). */
  status: ChangeStatus;
  risk: ChangeRisk;
  windowStart: string | null;
  windowEnd: string | null;
  siteId: string;
  siteName: string | null;
  ownerId: string | null;
  ownerName: string | null;
  tally: Tally;
  collisions: ChangeCollision[];
  updatedAt: string;
}

export interface ChangeVote {
  id: string;
  approverId: string;
  approverName: string;
  decision: ApprovalDecision;
  comment: string | null;
  at: string;
  /** A later vote of the same person replaced it. */
  superseded: boolean;
  /** Given on an earlier plan: the plan, window, risk, impact, assets or type changed since, so it no longer counts. */
  earlierPlan: boolean;
}

export interface Change extends ChangeSummary {
  description: string | null;
  impact: string | null;
  implementationPlan: string | null;
  testPlan: string | null;
  backoutPlan: string | null;
  groupId: string | null;
  assets: { id: string; tag: string; name: string }[];
  votes: ChangeVote[];
  /** The moves the signed-in person can make from here. */
  moves: ChangeStatus[];
  /** Whether the signed-in person may vote (an approver, while the change awaits approval). */
  canVote: boolean;
  problems: { id: string; number: string; title: string }[];
  createdAt: string;
}

const iso = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, { message: 'Times look like 2026-03-31T22:00:00Z.' })
  .transform((s) => new Date(s).toISOString());
const longText = (max: number) => z.string().max(max).nullable().optional();

const changeFields = {
  description: longText(50_000),
  risk: z.enum(CHANGE_RISKS).optional(),
  impact: longText(20_000),
  implementationPlan: longText(50_000),
  testPlan: longText(50_000),
  backoutPlan: longText(50_000),
  windowStart: iso.nullable().optional(),
  windowEnd: iso.nullable().optional(),
  ownerId: id.nullable().optional(),
  groupId: id.nullable().optional(),
};

export const changeCreate = z
  .object({
    type: z.enum(CHANGE_TYPES),
    title: trimmed(300, 'Title'),
    siteId: z.string().min(1).max(80).optional(),
    ...changeFields,
    assetIds: z.array(id).max(500).optional(),
    /** The problem this change fixes (the problem then names it). */
    problemId: id.optional(),
  })
  .strict();

export const changeUpdate = z
  .object({ id, title: trimmed(300, 'Title').optional(), type: z.enum(CHANGE_TYPES).optional(), ...changeFields })
  .strict();

export const changeFilter = z
  .object({
    q: z.string().trim().max(200).optional(),
    status: z.array(z.enum(CHANGE_STATUSES)).max(9).optional(),
    type: z.enum(CHANGE_TYPES).optional(),
    siteId: z.string().min(1).max(80).optional(),
    /** Only changes whose window overlaps [from, to). */
    from: iso.optional(),
    to: iso.optional(),
  })
  .strict();
export type ChangeFilter = z.infer<typeof changeFilter>;

export const changesCalls = {
  'changes.create': call<Change>()(changeCreate, STAFF, { mutates: true }),
  'changes.update': call<Change>()(changeUpdate, STAFF, { mutates: true }),
  'changes.get': call<Change>()(z.object({ id }).strict(), ITSM_READERS),
  /** Pages in the list's order: pass the last page's nextCursor for the next one. */
  'changes.list': call<{ items: ChangeSummary[]; total: number; nextCursor: string | null }>()(
    changeFilter
      .extend({
        limit: z.number().int().min(1).max(500, { message: 'A page holds at most 500 changes.' }).default(200),
        offset: z.number().int().min(0).max(10_000_000).default(0),
        cursor: z.string().max(100).nullable().optional(),
      })
      .strict()
      .default({ limit: 200, offset: 0 }),
    ITSM_READERS,
  ),
  /** Moves the change along its status machine (scheduling and rejection come from votes). */
  'changes.move': call<Change>()(z.object({ id, to: z.enum(CHANGE_STATUSES) }).strict(), STAFF, { mutates: true }),
  /** Approves or rejects (a second vote by the same person supersedes the first). */
  'changes.vote': call<Change>()(z.object({ id, decision: z.enum(APPROVAL_DECISIONS), comment: z.string().trim().max(5000).optional() }).strict(), STAFF, { mutates: true }),
  /** Adds or removes an affected asset. */
  'changes.linkAsset': call<Change>()(z.object({ id, assetId: id, present: z.boolean().default(true) }).strict(), STAFF, { mutates: true }),
  /** Windows in [from, to) for the calendar, each with its collisions. */
  'changes.calendar': call<{ items: ChangeSummary[] }>()(z.object({ from: iso, to: iso, siteId: z.string().min(1).max(80).optional() }).strict(), ITSM_READERS),
  'changes.policy': call<ChangeApprovalPolicy>()(z.object({}).strict().default({}), ITSM_READERS),
  'changes.setPolicy': call<ChangeApprovalPolicy>()(
    z
      .object({
        groupId: id.nullable(),
        quorum: z.object({ normal: z.number().int().min(1).max(20), emergency: z.number().int().min(1).max(20) }).strict(),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
};
