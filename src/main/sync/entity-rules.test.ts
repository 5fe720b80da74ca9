/**
 * Every synced table (a drizzle table with the synced columns) has a sync rule, and the rules
 * name real columns: a table added later cannot slip through to the server unvalidated.
 */
import { describe, expect, it } from 'vitest';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as schema from '../db/schema';
import { ENTITY_RULES, isKnownEntity, validateFields, writeRefusal } from '../../shared/sync/entities';
import { ASSET_ENTITY_RULES } from '../../shared/sync/entities-assets';

const SYNCED_COLUMNS = ['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'deleted_hlc'];

function syncedTables(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of Object.values(schema)) {
    if (!(v instanceof SQLiteTable)) continue;
    const t = getTableConfig(v);
    const cols = t.columns.map((c) => c.name);
    if (SYNCED_COLUMNS.every((c) => cols.includes(c))) out.set(t.name, cols.filter((c) => !SYNCED_COLUMNS.includes(c)));
  }
  return out;
}

describe('sync rules cover the schema', () => {
  it('finds the synced tables', () => {
    const names = [...syncedTables().keys()];
    expect(names).toEqual(expect.arrayContaining(['tickets', 'assets', 'audit_scans', 'licence_entitlements', 'locations']));
    expect(names).not.toContain('pending_ops');
  });

  it('every synced table has a rule', () => {
    const missing = [...syncedTables().keys()].filter((t) => !isKnownEntity(t));
    expect(missing, 'synced tables without a rule in src/shared/sync/entities*.ts').toEqual([]);
  });

  it('every field a rule names is a column of its table', () => {
    const tables = syncedTables();
    for (const [entity, rule] of Object.entries(ENTITY_RULES)) {
      const cols = tables.get(entity);
      if (!cols) continue; // a table whose schema lands separately from its rule
      const unknown = Object.keys(rule.fields).filter((f) => !cols.includes(f));
      expect(unknown, `${entity}: fields that are not columns`).toEqual([]);
      if (rule.parent) expect(cols, `${entity}: parent field`).toContain(rule.parent.field);
      for (const f of rule.textFields ?? []) expect(cols, `${entity}: long-text field`).toContain(f);
    }
  });

  it('the asset rules describe every column of their tables', () => {
    const tables = syncedTables();
    for (const [entity, rule] of Object.entries(ASSET_ENTITY_RULES)) {
      expect(tables.has(entity), `${entity} is a synced table`).toBe(true);
      const uncovered = tables.get(entity)!.filter((c) => !(c in rule.fields));
      expect(uncovered, `${entity}: columns without a schema`).toEqual([]);
    }
  });
});

describe('asset rules refuse what the app could never write', () => {
  it('checks values against the domain', () => {
    expect(validateFields('assets', { status: 'lost_in_space' })).toMatch(/assets\.status: An asset's status is one of on_order/);
    expect(validateFields('assets', { status: 'deployed', cost: 12.5, warranty_end: '2027-01-31' })).toBeNull();
    expect(validateFields('assets', { cost: -3 })).toMatch(/assets\.cost/);
    expect(validateFields('assets', { warranty_end: 'next year' })).toMatch(/Dates look like/);
    expect(validateFields('assets', { custom_fields: 'not json' })).toMatch(/JSON object/);
    expect(validateFields('assets', { colour: 'red' })).toMatch(/no field "colour"/);
    expect(validateFields('licence_entitlements', { type: 'forever' })).toMatch(/licence type is one of per_device/);
    expect(validateFields('audit_scans', { result: 'maybe' })).toMatch(/scan result is one of found/);
    expect(validateFields('software_products', { match_names: '{"a":1}' })).toMatch(/JSON list/);
    expect(validateFields('maintenance_records', { kind: 'prayer' })).toMatch(/maintenance_records\.kind/);
    expect(validateFields('locations', { kind: 'planet' })).toMatch(/locations\.kind/);
  });

  it('limits the auditor to audits, and the requester to nothing', () => {
    expect(writeRefusal('audit_scans', 'auditor', 'append', { audit_id: 'a' })).toBeNull();
    expect(writeRefusal('audit_sessions', 'auditor', 'create', {})).toBeNull();
    expect(writeRefusal('assets', 'auditor', 'setFields', { last_audit_at: '2026-01-01', next_audit_at: '2027-01-01' })).toBeNull();
    expect(writeRefusal('assets', 'auditor', 'setFields', { location_id: 'l' })).toBeNull();
    // Moving an asset to another site is staff work, not an audit's.
    expect(writeRefusal('assets', 'auditor', 'setFields', { location_id: 'l', scope_id: 's' })).toMatch(/not scope_id/);
    expect(writeRefusal('assets', 'auditor', 'setFields', { cost: 5 })).toMatch(/Auditors can only change an asset's audit dates and location, not cost/);
    expect(writeRefusal('assets', 'auditor', 'create', { tag: 'X' })).toMatch(/cannot create/);
    expect(writeRefusal('asset_history', 'auditor', 'append', { kind: 'audit' })).toBeNull();
    expect(writeRefusal('asset_history', 'auditor', 'append', { kind: 'status' })).toMatch(/Auditors can only add audit/);
    expect(writeRefusal('licence_entitlements', 'auditor', 'create', {})).toMatch(/Your role \(auditor\) cannot change licence entitlements/);
    for (const entity of Object.keys(ASSET_ENTITY_RULES)) expect(writeRefusal(entity, 'requester', 'create', {}), entity).toMatch(/requester/);
    expect(writeRefusal('assets', 'technician', 'setFields', { cost: 5 })).toBeNull();
    expect(writeRefusal('future_things', 'admin', 'create', {})).toMatch(/does not sync "future_things"/);
  });
});
