/**
 * Sync description of the service catalogue: the request items requesters pick from in the portal,
 * team-wide, written by administrators and read by everyone (requesters included).
 */
import { z } from 'zod';
import type { EntityRule, WriterRole } from './entity-rule';
import { TICKET_TYPES } from '../tickets/rules';
import { CATALOGUE_ICONS } from '../catalogue/items';
import { formFieldsText } from '../catalogue/form';

const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const bool01 = z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => (v === true ? 1 : v === false ? 0 : v));
const id = z.string().min(1).max(80);

const ADMIN_ONLY: readonly WriterRole[] = ['admin'];

export const PORTAL_ENTITY_RULES: Record<string, EntityRule> = {
  catalogue_items: {
    home: 'global',
    merge: 'record',
    writers: ADMIN_ONLY,
    read: { requester: 'all' },
    textFields: ['description'],
    fields: {
      name: str(120).min(1),
      description: str(4000),
      /** The catalogue section it is listed under ("Hardware", "Access"). */
      section: str(80).min(1),
      icon: z.enum(CATALOGUE_ICONS),
      ticket_type: z.enum(TICKET_TYPES),
      ticket_category: optStr(120),
      group_id: id.nullable(),
      form_fields: formFieldsText,
      position: z.number().int().min(0).max(100_000),
      active: bool01,
    },
  },
};
