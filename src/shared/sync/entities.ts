/**
 * What each synced record type looks like on the wire: its fields (zod), how it merges (a record
 * with per-field clocks, an append-only child, or a set member) and which roles may write it.
 * The server validates every op against this; clients use the same table when applying.
 */
import { z } from 'zod';
import {
  CONTACT_CHANNELS,
  PENDING_REASONS,
  RESOLUTION_CODES,
  TICKET_STATUSES,
  TICKET_TYPES,
} from '../tickets/rules';
import { TEAM_SETTING_KEYS, teamSettingValueText } from '../settings/team';
import { numberOrProvisional } from '../numbers';
import { ASSET_ENTITY_RULES } from './entities-assets';
import { GRC_ENTITY_RULES } from './entities-grc';
import { EVIDENCE_ENTITY_RULES } from './entities-evidence';
import { SLA_ENTITY_RULES } from './entities-sla';
import { KB_ENTITY_RULES } from './entities-kb';
import { ITSM_ENTITY_RULES } from './entities-itsm';
import { PORTAL_ENTITY_RULES } from './entities-portal';
import { formAnswersText } from '../catalogue/form';
import type { EntityRule, WriterRole } from './entity-rule';

export type { EntityRule, MatchRead, MergeKind, ReadRule, WriterRole } from './entity-rule';

const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const bool01 = z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => (v === true ? 1 : v === false ? 0 : v));
const level = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const priority = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
const isoTime = z.string().max(40);
const id = z.string().min(1).max(80);

const STAFF: readonly WriterRole[] = ['admin', 'technician'];

/**
 * What a conflict records: concurrent edits of long text (`field`), a status move no longer
 * allowed (`transition`), an edit after a delete (`deleted`), and a contested field overwritten by
 * a newer write (`overwritten`, created auto-resolved).
 */
export const CONFLICT_KINDS = ['field', 'transition', 'deleted', 'overwritten'] as const;
/** `open`: waits for a decision; `auto`: settled by the newest write, told to the person it overwrote; `resolved`. */
export const CONFLICT_STATUSES = ['open', 'auto', 'resolved'] as const;

/** An auditor's only ticket write: a new, unassigned ticket (the follow-up of a finding). */
function auditorTicketLimit(kind: string, p: Record<string, unknown>): string | null {
  if (kind !== 'create') return 'Auditors open follow-up tickets for findings; they do not change tickets.';
  if (p.assignee_id || p.group_id) return 'Auditors cannot assign tickets.';
  if (p.status !== 'new') return 'A ticket an auditor opens starts as new.';
  return null;
}
const ADMIN_ONLY: readonly WriterRole[] = ['admin'];

export const ENTITY_RULES: Record<string, EntityRule> = {
  ...ASSET_ENTITY_RULES,
  ...GRC_ENTITY_RULES,
  ...EVIDENCE_ENTITY_RULES,
  ...PORTAL_ENTITY_RULES,
  // Team-wide settings (scope 'global'): one row per setting key, and one row per category,
  // subcategory, asset custom field and asset model, so concurrent additions all survive.
  team_settings: { merge: 'record', home: 'global', read: { requester: 'all' }, writers: ADMIN_ONLY, textFields: ['value'], fields: { key: z.enum(TEAM_SETTING_KEYS), value: teamSettingValueText } },
  ticket_categories: {
    home: 'global',
    read: { requester: 'all' },
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: { name: str(80).min(1), parent_id: id.nullable(), position: z.number().int().min(0).max(100_000), active: bool01 },
  },
  asset_field_defs: {
    home: 'global',
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: {
      category: str(120).min(1),
      key: str(64).min(1),
      label: str(120).min(1),
      type: z.enum(['text', 'number', 'date', 'boolean']),
      required: bool01,
      position: z.number().int().min(0).max(100_000),
      active: bool01,
    },
  },
  asset_models: {
    home: 'global',
    globalWriters: STAFF,
    merge: 'record',
    writers: STAFF,
    fields: { name: str(200).min(1), category: optStr(120), manufacturer: optStr(200), model_number: optStr(200), eol_months: z.number().int().min(0).max(1200).nullable() },
  },
  tickets: {
    home: 'site',
    fixed: ['number', 'former_number', 'source_number', 'catalogue_item_id', 'form_answers'],
    read: { requester: { own: 'requester_id' } },
    merge: 'record',
    status: true,
    // An auditor opens the follow-up ticket of a finding, and changes no ticket after that.
    writers: ['admin', 'technician', 'requester', 'auditor'],
    limits: { auditor: auditorTicketLimit },
    textFields: ['title', 'description', 'resolution_notes'],
    // Who works the ticket, how urgent it is and how it is classified: an overwritten value is told.
    contested: ['assignee_id', 'group_id', 'priority', 'impact', 'urgency', 'category', 'subcategory', 'requester_id'],
    fields: {
      // A final number, or a provisional one a device gave offline (the server replaces it at push).
      number: z.string().regex(numberOrProvisional(['INC', 'REQ']), { message: 'Ticket numbers look like INC0000001 (or INC-P-3F9A2C-1 while provisional).' }),
      // Set by the server when it renumbers a ticket (see engine.ts); whatever a device sends is replaced.
      former_number: z.string().max(40).nullable(),
      type: z.enum(TICKET_TYPES),
      title: str(300).min(1),
      description: str(100_000),
      category: optStr(120),
      subcategory: optStr(120),
      impact: level,
      urgency: level,
      priority,
      priority_overridden: bool01,
      status: z.enum(TICKET_STATUSES),
      is_open: bool01,
      pending_reason: z.enum(PENDING_REASONS).nullable(),
      resolution_code: z.enum(RESOLUTION_CODES).nullable(),
      resolution_notes: optStr(20_000),
      assignee_id: id.nullable(),
      group_id: id.nullable(),
      requester_id: id.nullable(),
      contact_channel: z.enum(CONTACT_CHANNELS).nullable(),
      linked_asset_id: id.nullable(),
      opened_at: isoTime,
      first_response_at: isoTime.nullable(),
      resolved_at: isoTime.nullable(),
      closed_at: isoTime.nullable(),
      sla_met: bool01.nullable(),
      source_number: optStr(64),
      // What applied when the ticket was resolved (services/sla): written with the resolution.
      sla_policy_id: id.nullable(),
      sla_response_met: bool01.nullable(),
      sla_resolution_target_minutes: z.number().int().min(0).max(5_256_000).nullable(),
      // A request raised from the service catalogue: which item, and the requester's answers to its
      // form as JSON (checked against the item's form by the server when the ticket arrives).
      catalogue_item_id: id.nullable(),
      form_answers: formAnswersText.nullable(),
    },
  },
  ticket_comments: {
    home: 'site',
    identity: ['author_id'],
    read: { requester: { own: 'requester_id', via: 'parent', unless: 'internal' } },
    merge: 'append',
    touchesParent: true,
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: ['admin', 'technician', 'requester'],
    fields: { ticket_id: id, author_id: id, body: str(100_000).min(1), internal: bool01 },
  },
  ticket_worklogs: {
    home: 'site',
    identity: ['author_id'],
    merge: 'append',
    touchesParent: true,
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: STAFF,
    fields: { ticket_id: id, author_id: id, minutes: z.number().int().min(1).max(100_000), note: optStr(20_000) },
  },
  // Sets: one row per member with its own add/remove clock (ids from the member's natural key).
  // Children of their ticket, so they live in (and move with) the ticket's site.
  ticket_tags: {
    home: 'site',
    read: { requester: { own: 'requester_id', via: 'parent' } },
    merge: 'set',
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: STAFF,
    fields: { ticket_id: id, tag: str(40).min(1).regex(/^[^,]+$/, { message: 'Tags cannot contain commas.' }), tag_key: str(40).min(1).regex(/^[^,A-Z]+$/, { message: 'A tag key is lower-case with no commas.' }) },
  },
  ticket_links: {
    home: 'site',
    read: { requester: { own: 'requester_id', via: 'parent' } },
    merge: 'set',
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: STAFF,
    fields: { ticket_id: id, other_id: id, kind: z.enum(['relates', 'caused_by', 'duplicates']) },
  },
  // Anyone who can see a ticket may watch it themselves (the desktop service checks it is themselves).
  ticket_watchers: {
    home: 'site',
    read: { requester: { own: 'requester_id', via: 'parent' } },
    merge: 'set',
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: ['admin', 'technician', 'auditor', 'requester'],
    fields: { ticket_id: id, user_id: id },
  },
  ticket_history: {
    home: 'site',
    identity: ['actor_id'],
    read: { requester: { own: 'requester_id', via: 'parent' } },
    merge: 'append',
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: ['admin', 'technician', 'requester', 'auditor'],
    limits: { auditor: (kind, p) => (kind === 'append' && p.kind === 'status' && p.from_value === null && p.to_value === 'new' ? null : 'Auditors record only the opening of the tickets they raise.') },
    fields: {
      ticket_id: id,
      actor_id: id,
      kind: z.enum(['status', 'field']),
      field: optStr(80),
      from_value: optStr(2000),
      to_value: optStr(2000),
      reason: optStr(2000),
    },
  },
  sites: { merge: 'record', home: 'global', read: { requester: 'all' }, writers: ADMIN_ONLY, fields: { name: str(120).min(1), code: optStr(16), timezone: optStr(64) } },
  groups: { merge: 'record', home: 'global', read: { requester: 'all' }, writers: ADMIN_ONLY, fields: { name: str(120).min(1), description: optStr(2000) } },
  users: {
    home: 'global',
    secret: ['password_hash'],
    read: { requester: 'all' },
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: {
      username: str(64).min(2),
      display_name: str(120).min(1),
      email: optStr(200),
      role: z.enum(['admin', 'technician', 'auditor', 'requester']),
      active: bool01,
      password_hash: str(300),
    },
  },
  user_sites: { merge: 'set', home: 'global', read: { requester: 'all' }, writers: ADMIN_ONLY, fields: { user_id: id, site_id: id } },
  group_members: { merge: 'set', home: 'global', read: { requester: 'all' }, writers: ADMIN_ONLY, fields: { group_id: id, user_id: id } },
  saved_views: {
    home: 'global',
    owner: 'owner_id',
    read: { admin: { own: 'owner_id' }, technician: { own: 'owner_id' }, auditor: { own: 'owner_id' }, requester: { own: 'owner_id' } },
    merge: 'record',
    writers: ['admin', 'technician', 'auditor', 'requester'],
    fields: { owner_id: id, name: str(120).min(1), base: str(40), filter: str(20_000), sort: str(2000) },
  },
  /** A person's home dashboard (services/dashboards): one per person, under an id made from theirs, so two devices edit one record. */
  dashboard_layouts: {
    home: 'global',
    owner: 'owner_id',
    read: { admin: { own: 'owner_id' }, technician: { own: 'owner_id' }, auditor: { own: 'owner_id' } },
    merge: 'record',
    writers: ['admin', 'technician', 'auditor'],
    fields: { owner_id: id, widgets: str(2000), filter: str(2000) },
  },
  sync_conflicts: {
    home: 'any',
    identity: [],
    serverCreated: { clientFields: ['status', 'resolution', 'resolved_by'] },
    merge: 'record',
    writers: ['admin', 'technician'],
    fields: {
      entity: str(64),
      record_id: id,
      field: str(80),
      kind: z.enum(CONFLICT_KINDS),
      kept_value: z.string().max(200_000).nullable(),
      lost_value: z.string().max(200_000).nullable(),
      kept_stamp: optStr(120),
      lost_stamp: optStr(120),
      kept_device: optStr(80),
      lost_device: optStr(80),
      lost_author: optStr(80),
      status: z.enum(CONFLICT_STATUSES),
      resolution: z.enum(['mine', 'theirs', 'kept', 'lost']).nullable(),
      resolved_by: id.nullable(),
    },
  },
  ...SLA_ENTITY_RULES,
  ...KB_ENTITY_RULES,
  ...ITSM_ENTITY_RULES,
};

/**
 * Every synced table has a rule above (a unit test lists the tables from the drizzle schema and
 * checks), so an op for any other record type is refused rather than stored unvalidated.
 */
export const GENERIC_RULE: EntityRule = { merge: 'record', home: 'site', writers: [], fields: {} };

export function ruleFor(entity: string): EntityRule {
  return ENTITY_RULES[entity] ?? GENERIC_RULE;
}

export function isKnownEntity(entity: string): boolean {
  return Object.prototype.hasOwnProperty.call(ENTITY_RULES, entity);
}

/** Why this role may not write this op at all, or null. Values are checked by validateFields. */
export function writeRefusal(entity: string, role: WriterRole, kind: string, payload: Record<string, unknown>): string | null {
  if (!isKnownEntity(entity)) return `Outpost does not sync "${entity}" records; this op cannot be stored.`;
  const rule = ENTITY_RULES[entity]!;
  if (!rule.writers.includes(role)) return `Your role (${role}) cannot change ${entity.replace(/_/g, ' ')}.`;
  return rule.limits?.[role]?.(kind, payload) ?? null;
}

/** Payload keys that describe the op rather than a column. */
export const META_KEYS = new Set(['from_scope', 'from', 'to', 'fields']);

/** Checks field values against the rule; returns a message for the first bad one, or null. */
export function validateFields(entity: string, values: Record<string, unknown>): string | null {
  if (!isKnownEntity(entity)) return `Outpost does not sync "${entity}" records.`;
  const rule = ruleFor(entity);
  for (const [k, v] of Object.entries(values)) {
    if (k === 'scope_id') {
      if (typeof v !== 'string' || !v) return 'scope_id must be a site id.';
      continue;
    }
    if (META_KEYS.has(k)) continue;
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(k)) return `"${k}" is not a field name.`;
    const schema = rule.fields[k];
    if (!schema) return `${entity} has no field "${k}".`;
    const r = schema.safeParse(v);
    if (!r.success) return `${entity}.${k}: ${r.error.issues[0]?.message ?? 'invalid value'}`;
  }
  return null;
}
