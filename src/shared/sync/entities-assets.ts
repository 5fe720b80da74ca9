/**
 * Sync rules for the asset-management record types (issue 4): the register, locations,
 * software, licences, maintenance and physical audits. Merged into ENTITY_RULES (entities.ts).
 * Field schemas follow the columns in src/main/db/schema/assets.ts and the domain's enums; the
 * limits are those of the API or looser, so every op a service writes passes, while a value the
 * app could never have produced (an unknown status, a 5 MB name) is refused with its reason.
 */
import { z } from 'zod';
import { ASSET_STATUSES, ASSET_TYPES, LOCATION_KINDS, RELATION_KINDS } from '../assets/rules';
import { SCAN_RESULTS } from '../api/audits';
import { LICENCE_TYPES } from '../api/licences';
import { MAINTENANCE_KINDS, MAINTENANCE_STATUSES } from '../api/software';
import type { EntityRule, WriterRole } from './entity-rule';

const id = z.string().min(1).max(80);
const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const bool01 = z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => (v === true ? 1 : v === false ? 0 : v));
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}/, { message: 'Dates look like 2026-03-31.' });
const optDay = day.nullable();
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T/, { message: 'Times look like 2026-03-31T09:30:00Z.' }).max(40);
const optTime = isoTime.nullable();
const money = z.number().min(0).max(1e12).nullable();
/** A JSON document stored as text (custom fields, hardware facts, match lists). */
const jsonText = (max: number, what: 'object' | 'array') =>
  z
    .string()
    .max(max)
    .refine(
      (s) => {
        try {
          const v = JSON.parse(s) as unknown;
          return what === 'array' ? Array.isArray(v) : typeof v === 'object' && v !== null && !Array.isArray(v);
        } catch {
          return false;
        }
      },
      { message: what === 'array' ? 'Must be a JSON list.' : 'Must be a JSON object.' },
    );

const STAFF: readonly WriterRole[] = ['admin', 'technician'];
/** Audit records: auditors run audits, so they write these (and staff do too). */
const AUDITORS: readonly WriterRole[] = ['admin', 'technician', 'auditor'];

/** What an audit may change on an asset: its audit dates, and its place when relocated. */
// Not its site: an audit relocates within the site it runs in; moving an asset between sites is staff work.
export const AUDITOR_ASSET_FIELDS: readonly string[] = ['last_audit_at', 'next_audit_at', 'location_id'];

function fieldsOf(kind: string, payload: Record<string, unknown>): string[] {
  if (kind === 'restore' && payload.fields && typeof payload.fields === 'object') return Object.keys(payload.fields);
  return Object.keys(payload).filter((k) => !['from_scope', 'from', 'to', 'fields'].includes(k));
}

export const ASSET_ENTITY_RULES: Record<string, EntityRule> = {
  locations: {
    home: 'site',
    merge: 'record',
    writers: STAFF,
    fields: { name: str(200).min(1), kind: z.enum(LOCATION_KINDS), parent_id: id.nullable(), address: optStr(2000) },
  },
  assets: {
    home: 'site',
    read: { requester: { own: 'assigned_to_id' } },
    merge: 'record',
    // The auditor writes assets only as an audit does (see limits).
    writers: AUDITORS,
    textFields: ['notes'],
    // Its state, who holds it and where it is: an overwritten value is told (see docs/sync.md).
    contested: ['status', 'assigned_to_id', 'location_id'],
    fields: {
      tag: str(100).min(1),
      tag_key: str(100).min(1),
      name: str(500).min(1),
      type: z.enum(ASSET_TYPES),
      category: optStr(200),
      manufacturer: optStr(200),
      model: optStr(300),
      model_number: optStr(200),
      serial: optStr(200),
      uuid: optStr(100),
      status: z.enum(ASSET_STATUSES, { message: `An asset's status is one of ${ASSET_STATUSES.join(', ')}.` }),
      status_label: optStr(80),
      assigned_to_id: id.nullable(),
      location_id: id.nullable(),
      home_location_id: id.nullable(),
      checked_out_at: optTime,
      expected_return: optDay,
      purchase_date: optDay,
      cost: money,
      supplier: optStr(300),
      order_number: optStr(200),
      warranty_end: optDay,
      eol_date: optDay,
      last_audit_at: optDay,
      next_audit_at: optDay,
      last_inventory_at: optTime,
      notes: optStr(20_000),
      custom_fields: jsonText(100_000, 'object'),
      hardware: jsonText(500_000, 'object').nullable(),
    },
    limits: {
      auditor: (kind, payload) => {
        if (kind !== 'setFields') return 'Auditors cannot create, delete or restore assets.';
        const other = fieldsOf(kind, payload).filter((f) => !AUDITOR_ASSET_FIELDS.includes(f));
        return other.length ? `Auditors can only change an asset's audit dates and location, not ${other.join(', ')}.` : null;
      },
    },
  },
  asset_history: {
    home: 'site',
    identity: ['actor_id'],
    merge: 'append',
    parent: { field: 'asset_id', entity: 'assets' },
    writers: AUDITORS,
    fields: {
      asset_id: id,
      actor_id: id,
      kind: z.enum(['status', 'assignment', 'field', 'inventory', 'audit', 'vulnerability']),
      field: optStr(200),
      from_value: optStr(20_000),
      to_value: optStr(20_000),
      reason: optStr(5_000),
      assigned_to_id: id.nullable(),
      location_id: id.nullable(),
      expected_return: optDay,
    },
    limits: {
      auditor: (kind, payload) =>
        kind === 'append' && (payload.kind === 'audit' || (payload.kind === 'assignment' && payload.field === 'move'))
          ? null
          : "Auditors can only add audit results and audit relocations to an asset's history.",
    },
  },
  asset_relations: {
    home: 'site',
    merge: 'set',
    writers: STAFF,
    fields: { asset_id: id, other_id: id, kind: z.enum(RELATION_KINDS) },
  },
  installed_software: {
    home: 'site',
    merge: 'record',
    parent: { field: 'asset_id', entity: 'assets' },
    writers: STAFF,
    fields: {
      asset_id: id,
      name: str(500).min(1),
      name_key: str(500).min(1),
      vendor: optStr(500),
      version: optStr(200),
      installed_on: optStr(40),
      source: z.enum(['inventory', 'manual']),
    },
  },
  software_products: {
    home: 'global',
    globalWriters: STAFF,
    merge: 'record',
    writers: STAFF,
    textFields: ['notes'],
    fields: { name: str(300).min(1), name_key: str(300).min(1), vendor: optStr(300), match_names: jsonText(20_000, 'array'), notes: optStr(20_000) },
  },
  licence_entitlements: {
    home: 'site',
    merge: 'record',
    parent: { field: 'product_id', entity: 'software_products' },
    writers: STAFF,
    textFields: ['notes'],
    fields: {
      product_id: id,
      type: z.enum(LICENCE_TYPES, { message: `A licence type is one of ${LICENCE_TYPES.join(', ')}.` }),
      seats: z.number().int().min(0).max(10_000_000).nullable(),
      licence_key: optStr(5_000),
      start_date: optDay,
      end_date: optDay,
      cost: money,
      supplier: optStr(300),
      order_number: optStr(200),
      licensed_to: optStr(300),
      notes: optStr(20_000),
    },
  },
  licence_assignments: {
    home: 'site',
    merge: 'set',
    writers: STAFF,
    fields: { entitlement_id: id, asset_id: id.nullable(), user_id: id.nullable() },
  },
  maintenance_records: {
    home: 'site',
    merge: 'record',
    parent: { field: 'asset_id', entity: 'assets' },
    writers: STAFF,
    textFields: ['notes'],
    fields: {
      asset_id: id,
      kind: z.enum(MAINTENANCE_KINDS),
      title: str(500).min(1),
      software: optStr(500),
      from_version: optStr(200),
      to_version: optStr(200),
      status: z.enum(MAINTENANCE_STATUSES),
      window_start: optTime,
      window_end: optTime,
      performed_by_id: id.nullable(),
      ticket_id: id.nullable(),
      notes: optStr(20_000),
    },
  },
  audit_sessions: {
    home: 'site',
    identity: ['started_by_id'],
    // An audit is evidence: an auditor closes it, never deletes it.
    limits: { auditor: (kind) => (kind === 'delete' || kind === 'restore' ? 'An audit is evidence: auditors close it, they do not delete it.' : null) },
    merge: 'record',
    parent: { field: 'location_id', entity: 'locations' },
    writers: AUDITORS,
    textFields: ['sign_off_note'],
    fields: {
      location_id: id,
      include_sub: bool01,
      status: z.enum(['open', 'closed']),
      started_by_id: id,
      closed_at: optTime,
      signed_off_by: optStr(300),
      sign_off_note: optStr(20_000),
    },
  },
  audit_expected: {
    home: 'site',
    merge: 'append',
    parent: { field: 'audit_id', entity: 'audit_sessions' },
    writers: AUDITORS,
    fields: { audit_id: id, asset_id: id },
  },
  audit_scans: {
    home: 'site',
    identity: ['auditor_id'],
    merge: 'append',
    parent: { field: 'audit_id', entity: 'audit_sessions' },
    writers: AUDITORS,
    fields: {
      audit_id: id,
      tag: str(200).min(1),
      tag_key: str(200).min(1),
      result: z.enum(SCAN_RESULTS, { message: `A scan result is one of ${SCAN_RESULTS.join(', ')}.` }),
      asset_id: id.nullable(),
      registered_location_id: id.nullable(),
      relocated: bool01,
      auditor_id: id,
    },
  },
};
