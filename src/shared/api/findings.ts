/** Findings: non-conformities and observations, linked to requirements, risks and assets, followed up by tickets. */
import { z } from 'zod';
import { call } from './contract';
import { id, trimmed } from './common';
import { GRC_ROLES } from './evidence';
import {
  FINDING_KINDS,
  FINDING_LINK_KINDS,
  FINDING_SEVERITIES,
  FINDING_STATUSES,
  type FindingKind,
  type FindingLinkKind,
  type FindingSeverity,
  type FindingStatus,
} from '../sync/entities-evidence';

export interface FindingLink {
  kind: FindingLinkKind;
  targetId: string;
  /** What the target is called here (a requirement's ref, a risk's number and title, an asset's tag and name); null when this device does not hold it. */
  label: string | null;
}

export interface Finding {
  id: string;
  kind: FindingKind;
  title: string;
  description: string;
  severity: FindingSeverity;
  status: FindingStatus;
  ownerId: string | null;
  ownerName: string | null;
  dueDate: string | null;
  /** Past its due date and still open. */
  overdue: boolean;
  assessmentId: string | null;
  siteId: string;
  ticketId: string | null;
  ticketNumber: string | null;
  raisedBy: string;
  raisedByName: string | null;
  createdAt: string;
  updatedAt: string;
  links: FindingLink[];
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Dates look like 2026-03-31.' });
const link = z.object({ kind: z.enum(FINDING_LINK_KINDS), targetId: z.string().trim().min(1).max(300) }).strict();

const fields = {
  kind: z.enum(FINDING_KINDS, { message: 'A finding is a non_conformity or an observation.' }),
  title: trimmed(300, 'Title'),
  description: z.string().max(20_000).default(''),
  severity: z.enum(FINDING_SEVERITIES, { message: `Severity is one of ${FINDING_SEVERITIES.join(', ')}.` }),
  ownerId: id.nullable().optional(),
  dueDate: day.nullable().optional(),
};

export const findingsCalls = {
  'findings.list': call<{ items: Finding[] }>()(
    z
      .object({
        status: z.enum(['open', 'all']).default('all'),
        /** Only these statuses (narrows `status`). */
        statuses: z.array(z.enum(FINDING_STATUSES)).max(FINDING_STATUSES.length).optional(),
        severities: z.array(z.enum(FINDING_SEVERITIES)).max(FINDING_SEVERITIES.length).optional(),
        kind: z.enum(FINDING_KINDS).optional(),
        assessmentId: id.optional(),
        /** Findings linked to this target (an asset's open findings). */
        link: link.optional(),
      })
      .strict()
      .default({ status: 'all' }),
    GRC_ROLES,
  ),
  'findings.get': call<Finding>()(z.object({ id }).strict(), GRC_ROLES),
  'findings.create': call<Finding>()(
    z
      .object({
        ...fields,
        status: z.enum(FINDING_STATUSES).default('open'),
        assessmentId: id.nullable().optional(),
        /** The site it belongs to; none: the whole team. */
        siteId: id.nullable().optional(),
        links: z.array(link).max(200).default([]),
      })
      .strict(),
    GRC_ROLES,
    { mutates: true },
  ),
  'findings.update': call<Finding>()(
    z
      .object({
        id,
        fields: z
          .object({ ...fields, status: z.enum(FINDING_STATUSES) })
          .partial()
          .strict(),
      })
      .strict(),
    GRC_ROLES,
    { mutates: true },
  ),
  'findings.link': call<Finding>()(z.object({ id, link, present: z.boolean().default(true) }).strict(), GRC_ROLES, { mutates: true }),
  /** Opens the follow-up ticket (through the tickets service) and links it both ways. */
  'findings.openTicket': call<Finding>()(z.object({ id, type: z.enum(['incident', 'request']).default('incident') }).strict(), GRC_ROLES, {
    mutates: true,
  }),
  /** Findings whose follow-up is this ticket (the ticket's side of the link). */
  'findings.forTicket': call<{ items: Finding[] }>()(z.object({ ticketId: id }).strict(), GRC_ROLES),
};
