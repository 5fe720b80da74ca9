/**
 * SLA policies: targets per priority for first response and resolution, optionally narrowed by
 * ticket type, category or site, on a business-hours calendar; and the escalation levels they carry.
 * Which policy applies to a ticket is a pure choice, so every device picks the same one.
 */
import { z } from 'zod';
import { PRIORITIES, TICKET_TYPES, type TicketType } from '../tickets/rules';
import { DEFAULT_WARN_SHARE } from './clock';
import { jsonText } from './json-text';

export const slaTarget = z
  .object({
    response: z.number().int().min(1).max(525_600).nullable(),
    resolution: z.number().int().min(1).max(5_256_000).nullable(),
  })
  .strict();

/** Minutes of business time per priority ("1" … "4"); a priority left out has no SLA under this policy. */
export const slaTargets = z.partialRecord(z.enum(['1', '2', '3', '4']), slaTarget);
export type SlaTargetsByPriority = z.infer<typeof slaTargets>;

export const ESCALATION_MOMENTS = ['warning', 'breach'] as const;
export type EscalationMoment = (typeof ESCALATION_MOMENTS)[number];

export const escalationLevel = z
  .object({
    /** Stable within the policy: part of the escalation record's id, so a level fires once per ticket. */
    key: z.string().regex(/^[a-z0-9-]{1,24}$/, { message: 'A level key is 1–24 lower-case letters, digits or dashes.' }),
    clock: z.enum(['response', 'resolution']),
    at: z.enum(ESCALATION_MOMENTS),
    /** Minutes after the moment (negative: before the deadline, for a level at breach). */
    offsetMinutes: z.number().int().min(-10_080).max(525_600),
    raisePriority: z.boolean(),
    groupId: z.string().min(1).max(80).nullable(),
    assigneeId: z.string().min(1).max(80).nullable(),
    watcherId: z.string().min(1).max(80).nullable(),
    notify: z.boolean(),
  })
  .strict();
export type EscalationLevel = z.infer<typeof escalationLevel>;
export const escalationLevels = z.array(escalationLevel).max(20);

export const slaTargetsText = jsonText(slaTargets, 'SLA targets');
export const escalationsText = jsonText(escalationLevels, 'Escalation levels');

export interface SlaPolicy {
  id: string;
  name: string;
  position: number;
  active: boolean;
  type: TicketType | null;
  category: string | null;
  siteId: string | null;
  calendarId: string | null;
  warnShare: number;
  targets: SlaTargetsByPriority;
  escalations: EscalationLevel[];
}

export interface PolicyFacts {
  type: string;
  category: string | null;
  siteId: string;
  priority: number;
}

function specificity(p: SlaPolicy): number {
  return (p.type ? 1 : 0) + (p.category ? 1 : 0) + (p.siteId ? 1 : 0);
}

/**
 * The policy for a ticket: among active policies whose narrowing all match and which have targets
 * for the ticket's priority, the most specific one (type, category and site each count one), then
 * the lowest position, then the lowest id.
 */
export function choosePolicy(policies: readonly SlaPolicy[], t: PolicyFacts): SlaPolicy | null {
  let best: SlaPolicy | null = null;
  for (const p of policies) {
    if (!p.active) continue;
    if (p.type && p.type !== t.type) continue;
    if (p.category && p.category !== t.category) continue;
    if (p.siteId && p.siteId !== t.siteId) continue;
    const tg = p.targets[String(t.priority) as '1'];
    if (!tg || (tg.response === null && tg.resolution === null)) continue;
    if (
      !best ||
      specificity(p) > specificity(best) ||
      (specificity(p) === specificity(best) && (p.position < best.position || (p.position === best.position && p.id < best.id)))
    )
      best = p;
  }
  return best;
}

export function warnShareOf(v: unknown): number {
  return typeof v === 'number' && v > 0 && v < 1 ? v : DEFAULT_WARN_SHARE;
}

export const PRIORITY_KEYS = PRIORITIES.map(String) as ('1' | '2' | '3' | '4')[];
export const POLICY_TYPES = TICKET_TYPES;
