/**
 * The one synced-write primitive: a record's row, field clocks, op and audit event are written
 * together from the record type's description, bad values are refused with nothing written, an
 * update sends only what changed, and a delete is a clocked tombstone with its op and event.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { write } from './write';
import { createRecord, deleteRecord, updateRecord } from './record';
import { verifyChain } from './audit';
import { uuidv7 } from '../../../shared/ids';

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

const opsFor = (id: string) => w.store.sqlite.prepare('SELECT kind, payload FROM pending_ops WHERE record_id = ? ORDER BY device_seq').all(id) as { kind: string; payload: string }[];
const eventsFor = (id: string) => w.store.sqlite.prepare('SELECT before, after FROM audit_events WHERE record_id = ? ORDER BY seq').all(id) as { before: string | null; after: string | null }[];

describe('createRecord, updateRecord, deleteRecord', () => {
  it('writes row, clocks, op and audit event together', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const id = uuidv7();
    write(ctx, (s) => createRecord(ctx, s, 'groups', id, 'global', { name: 'Network team', description: null }));
    const row = w.store.sqlite.prepare('SELECT name, scope_id, field_hlc FROM groups WHERE id = ?').get(id) as { name: string; scope_id: string; field_hlc: string };
    expect(row).toMatchObject({ name: 'Network team', scope_id: 'global' });
    expect(Object.keys(JSON.parse(row.field_hlc) as object)).toEqual(['*']);
    expect(opsFor(id).map((o) => o.kind)).toEqual(['create']);
    expect(JSON.parse(opsFor(id)[0]!.payload)).toEqual({ name: 'Network team', description: null, scope_id: 'global' });
    expect(eventsFor(id)).toHaveLength(1);

    write(ctx, (s) => updateRecord(ctx, s, 'groups', id, { name: 'Network', description: null }));
    expect(JSON.parse(opsFor(id)[1]!.payload)).toEqual({ name: 'Network' });
    expect(JSON.parse(eventsFor(id)[1]!.before!)).toEqual({ name: 'Network team' });
    const clocks = JSON.parse(w.store.sqlite.prepare('SELECT field_hlc FROM groups WHERE id = ?').pluck().get(id) as string) as Record<string, string>;
    expect(Object.keys(clocks).sort()).toEqual(['*', 'name']);

    write(ctx, (s) => deleteRecord(ctx, s, 'groups', id));
    expect(w.store.sqlite.prepare('SELECT deleted_hlc FROM groups WHERE id = ?').pluck().get(id)).toBeTruthy();
    expect(opsFor(id).map((o) => o.kind)).toEqual(['create', 'setFields', 'delete']);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
  });

  it('refuses a value outside the type’s rules, an unknown field or type, and writes nothing', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const before = w.store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get();
    const id = uuidv7();
    expect(() => write(ctx, (s) => createRecord(ctx, s, 'groups', id, 'global', { name: '' }))).toThrow(/groups.name/);
    expect(() => write(ctx, (s) => createRecord(ctx, s, 'groups', id, 'global', { colour: 'red' }))).toThrow(/no field colour/);
    expect(() => write(ctx, (s) => createRecord(ctx, s, 'pending_ops', id, 'global', {}))).toThrow(/not a synced record type/);
    expect(w.store.sqlite.prepare('SELECT count(*) FROM groups WHERE id = ?').pluck().get(id)).toBe(0);
    expect(w.store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get()).toBe(before);
  });

  it('an update that changes nothing writes nothing', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const id = uuidv7();
    write(ctx, (s) => createRecord(ctx, s, 'groups', id, 'global', { name: 'Desk', description: null }));
    const changed = write(ctx, (s) => updateRecord(ctx, s, 'groups', id, { name: 'Desk' }));
    expect(changed).toEqual({});
    expect(opsFor(id)).toHaveLength(1);
  });
});
