/**
 * Sync descriptions of service levels and routing: team-wide calendars, SLA policies and routing
 * rules that administrators write, and the escalations that fired on a ticket (append-only children
 * of the ticket, written by the staff device that noticed them first, under an id every device
 * derives alike).
 */
import { z } from 'zod';
import type { EntityRule, WriterRole } from './entity-rule';
import { TICKET_TYPES } from '../tickets/rules';
import { escalationsText, slaTargetsText } from '../sla/policy';
import { calendarHoursText, holidaysText, timeZoneText } from '../sla/calendar-text';
import { routingActionsText, routingConditionsText } from '../routing/rules';

const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const bool01 = z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => (v === true ? 1 : v === false ? 0 : v));
const id = z.string().min(1).max(80);
const position = z.number().int().min(0).max(100_000);

const ADMIN_ONLY: readonly WriterRole[] = ['admin'];
const STAFF: readonly WriterRole[] = ['admin', 'technician'];

export const SLA_ENTITY_RULES: Record<string, EntityRule> = {
  // Requesters receive calendars and policies too: the portal tells them when the team aims to respond.
  sla_calendars: {
    home: 'global',
    read: { requester: 'all' },
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: { name: str(120).min(1), timezone: timeZoneText, hours: calendarHoursText, holidays: holidaysText },
  },
  sla_policies: {
    home: 'global',
    read: { requester: 'all' },
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: {
      name: str(120).min(1),
      position,
      active: bool01,
      type: z.enum(TICKET_TYPES).nullable(),
      category: optStr(120),
      site_id: id.nullable(),
      calendar_id: id.nullable(),
      warn_share: z.number().gt(0).lt(1),
      targets: slaTargetsText,
      escalations: escalationsText,
    },
  },
  routing_rules: {
    home: 'global',
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: { name: str(120).min(1), position, active: bool01, conditions: routingConditionsText, actions: routingActionsText },
  },
  ticket_escalations: {
    home: 'site',
    merge: 'append',
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: STAFF,
    fields: {
      ticket_id: id,
      policy_id: id,
      level_key: str(24).min(1),
      clock: z.enum(['response', 'resolution']),
      moment: z.enum(['warning', 'breach']),
      deadline: str(40),
      summary: str(2000),
    },
  },
};
