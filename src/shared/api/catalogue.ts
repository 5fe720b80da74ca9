/** The service catalogue in Settings: administrators list, save and retire request items. */
import { z } from 'zod';
import { ADMIN, call } from './contract';
import { id } from './common';
import { TICKET_TYPES } from '../tickets/rules';
import { formFields } from '../catalogue/form';
import { CATALOGUE_ICONS, type CatalogueItem } from '../catalogue/items';

export const catalogueItemInput = z
  .object({
    id: id.optional(),
    name: z.string().trim().min(1, { message: 'Name the request item.' }).max(120),
    description: z.string().trim().max(4000).default(''),
    section: z.string().trim().min(1, { message: 'Say which section of the catalogue it is listed under.' }).max(80),
    icon: z.enum(CATALOGUE_ICONS).default('help'),
    ticketType: z.enum(TICKET_TYPES).default('request'),
    ticketCategory: z.string().trim().max(120).nullable().default(null),
    groupId: id.nullable().default(null),
    fields: formFields.default([]),
    position: z.number().int().min(0).max(100_000).default(0),
    active: z.boolean().default(true),
  })
  .strict();
export type CatalogueItemInput = z.output<typeof catalogueItemInput>;

export const catalogueCalls = {
  /** Every item, retired ones too (the portal lists only active ones: portal.catalogue). */
  'catalogue.list': call<{ items: CatalogueItem[] }>()(z.object({}).strict().default({}), ADMIN),
  'catalogue.save': call<CatalogueItem>()(catalogueItemInput, ADMIN, { mutates: true }),
  'catalogue.delete': call<{ ok: true }>()(z.object({ id }).strict(), ADMIN, { mutates: true }),
};
