/** Problem management: problems with linked incidents, root cause, workaround and known errors, the change that fixes them, and a post-incident review exported as PDF. */
import { z } from 'zod';
import { call, STAFF, type Role } from './contract';
import { id, trimmed } from './common';
import { PROBLEM_STATUSES, type ProblemStatus } from '../itsm/rules';

/** Staff work problems; auditors read them; requesters never see them. */
export const ITSM_READERS: readonly Role[] = ['admin', 'technician', 'auditor'];

export interface ProblemSummary {
  id: string;
  number: string;
  title: string;
  status: ProblemStatus;
  knownError: boolean;
  priority: 1 | 2 | 3 | 4;
  ownerId: string | null;
  ownerName: string | null;
  groupId: string | null;
  groupName: string | null;
  siteId: string;
  incidentCount: number;
  updatedAt: string;
}

export interface ProblemIncident {
  id: string;
  number: string;
  title: string;
  status: string;
}

export interface ProblemAction {
  id: string;
  description: string;
  ownerId: string | null;
  ownerName: string | null;
  dueOn: string | null;
  authorName: string;
  at: string;
}

export interface Problem extends ProblemSummary {
  description: string | null;
  rootCause: string | null;
  workaround: string | null;
  fixChange: { id: string; number: string; title: string; status: string } | null;
  createdById: string;
  createdAt: string;
  incidents: ProblemIncident[];
  review: { impact: string | null; causes: string | null; actions: ProblemAction[] };
}

/** One line of a post-incident review's timeline, from a linked incident's history. */
export interface ReviewEntry {
  at: string;
  ticketNumber: string;
  kind: 'status' | 'comment' | 'reassignment';
  who: string;
  text: string;
}

/** What a ticket shows of the problems it is linked to: the workaround once the problem is a known error. */
export interface TicketProblem {
  id: string;
  number: string;
  title: string;
  status: ProblemStatus;
  knownError: boolean;
  workaround: string | null;
}

const longText = (max: number) => z.string().max(max).nullable().optional();
const priority = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Dates look like 2026-03-31.' });

const problemFields = {
  description: longText(50_000),
  status: z.enum(PROBLEM_STATUSES, { message: `A problem's status is one of ${PROBLEM_STATUSES.join(', ')}.` }).optional(),
  rootCause: longText(50_000),
  workaround: longText(50_000),
  knownError: z.boolean().optional(),
  ownerId: id.nullable().optional(),
  groupId: id.nullable().optional(),
  priority: priority.optional(),
  /** The change that fixes the problem (null to unlink it). */
  fixChangeId: id.nullable().optional(),
};

export const problemCreate = z
  .object({
    title: trimmed(300, 'Title'),
    siteId: z.string().min(1).max(80).optional(),
    ...problemFields,
    /** Incidents to link at once ("Create problem from this incident"). */
    ticketIds: z.array(id).max(500).optional(),
  })
  .strict();

export const problemUpdate = z
  .object({ id, title: trimmed(300, 'Title').optional(), ...problemFields, reviewImpact: longText(50_000), reviewCauses: longText(50_000) })
  .strict();

export const problemFilter = z
  .object({
    q: z.string().trim().max(200).optional(),
    status: z.array(z.enum(PROBLEM_STATUSES)).max(5).optional(),
    knownError: z.boolean().optional(),
    ownerId: id.optional(),
    siteId: z.string().min(1).max(80).optional(),
  })
  .strict();
export type ProblemFilter = z.infer<typeof problemFilter>;

export const problemsCalls = {
  'problems.create': call<Problem>()(problemCreate, STAFF, { mutates: true }),
  'problems.update': call<Problem>()(problemUpdate, STAFF, { mutates: true }),
  'problems.get': call<Problem>()(z.object({ id }).strict(), ITSM_READERS),
  /** Pages in the list's order: pass the last page's nextCursor for the next one. */
  'problems.list': call<{ items: ProblemSummary[]; total: number; nextCursor: string | null }>()(
    problemFilter
      .extend({
        limit: z.number().int().min(1).max(500, { message: 'A page holds at most 500 problems.' }).default(200),
        offset: z.number().int().min(0).max(10_000_000).default(0),
        cursor: z.string().max(100).nullable().optional(),
      })
      .strict()
      .default({ limit: 200, offset: 0 }),
    ITSM_READERS,
  ),
  /** Links an incident to the problem, or unlinks it (`present: false`). */
  'problems.linkIncident': call<Problem>()(z.object({ id, ticketId: id, present: z.boolean().default(true) }).strict(), STAFF, { mutates: true }),
  /** Adds an action to the post-incident review (append-only). */
  'problems.addAction': call<Problem>()(
    z.object({ id, description: trimmed(5000, 'The action'), ownerId: id.nullable().optional(), dueOn: day.nullable().optional() }).strict(),
    STAFF,
    { mutates: true },
  ),
  /** The review's timeline: status moves, comments and reassignments of the linked incidents, in time order. */
  'problems.timeline': call<{ items: ReviewEntry[] }>()(z.object({ id }).strict(), ITSM_READERS),
  /** The post-incident review as a PDF (base64). */
  'problems.reviewPdf': call<{ filename: string; mime: string; content: string; encoding: 'base64' }>()(z.object({ id }).strict(), ITSM_READERS),
  /** The problems a ticket is linked to, with the workaround of known errors. */
  'problems.forTicket': call<{ items: TicketProblem[] }>()(z.object({ ticketId: id }).strict(), ITSM_READERS),
};
