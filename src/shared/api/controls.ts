/** Applied controls: the team's catalogue of measures that treat risks, with the tickets that implement them. */
import { z } from 'zod';
import { call, STAFF } from './contract';
import { id, trimmed } from './common';
import { GRC_READERS } from './grc';
import { CONTROL_EFFORTS, CONTROL_STATUSES, type ControlStatus } from '../grc/matrix';

export interface AppliedControl {
  id: string;
  name: string;
  description: string | null;
  category: string | null;
  ownerId: string | null;
  ownerName: string | null;
  status: ControlStatus;
  dueOn: string | null;
  effort: (typeof CONTROL_EFFORTS)[number] | null;
  cost: number | null;
  /** Risks this control treats. */
  risks: number;
  tickets: { id: string; number: string; title: string; status: string }[];
  updatedAt: string;
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Dates look like 2026-03-31.' });
const fields = {
  description: z.string().max(20_000).nullable().optional(),
  category: z.string().trim().max(120).nullable().optional(),
  ownerId: id.nullable().optional(),
  status: z.enum(CONTROL_STATUSES).optional(),
  dueOn: day.nullable().optional(),
  effort: z.enum(CONTROL_EFFORTS).nullable().optional(),
  cost: z.number().min(0).max(1e12).nullable().optional(),
};

export const controlsCalls = {
  'controls.create': call<AppliedControl>()(z.object({ name: trimmed(300, 'Name'), ...fields }).strict(), STAFF, { mutates: true }),
  'controls.update': call<AppliedControl>()(z.object({ id, name: trimmed(300, 'Name').optional(), ...fields }).strict(), STAFF, {
    mutates: true,
  }),
  'controls.get': call<AppliedControl>()(z.object({ id }).strict(), GRC_READERS),
  'controls.list': call<{ items: AppliedControl[] }>()(
    z
      .object({ q: z.string().trim().max(200).optional(), status: z.enum(CONTROL_STATUSES).optional() })
      .strict()
      .default({}),
    GRC_READERS,
  ),
  /** Links (or unlinks) a ticket that implements the control. */
  'controls.linkTicket': call<AppliedControl>()(z.object({ id, ticketId: id, present: z.boolean().default(true) }).strict(), STAFF, {
    mutates: true,
  }),
};
