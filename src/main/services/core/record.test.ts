/**
 * The one synced-write primitive: a record's row, field clocks, op and audit event are written
 * together from the record type's description, bad values are refused with nothing written, an
 * update sends only what changed, and a delete is a clocked tombstone with its op and event.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { write } from './write';
import { appendRecord, createRecord, deleteRecord, restoreRecord, setMember, updateRecord } from './record';
import { BulkSink } from './bulk';
import { createAsset } from '../assets/assets';
import { createLocation } from '../assets/locations';
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
    // A new record's fields left null are null everywhere: the op carries only what is set.
    expect(JSON.parse(opsFor(id)[0]!.payload)).toEqual({ name: 'Network team', scope_id: 'global' });
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

describe('the primitive’s extensions', () => {
  const row = (table: string, id: string) => w.store.sqlite.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown>;

  it('a set member is added, removed and added again as one row, each with its op and event', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const g = uuidv7();
    write(ctx, (s) => createRecord(ctx, s, 'groups', g, 'global', { name: 'Desk' }));
    const m = uuidv7();
    const member = { group_id: g, user_id: w.admin.id };
    expect(write(ctx, (s) => setMember(ctx, s, 'group_members', m, 'global', member, true))).toBe(true);
    // Already there: nothing written.
    expect(write(ctx, (s) => setMember(ctx, s, 'group_members', m, 'global', member, true))).toBe(false);
    expect(write(ctx, (s) => setMember(ctx, s, 'group_members', m, 'global', member, false))).toBe(true);
    expect(row('group_members', m).deleted_hlc).toBeTruthy();
    expect(write(ctx, (s) => setMember(ctx, s, 'group_members', m, 'global', member, true))).toBe(true);
    expect(row('group_members', m).deleted_hlc).toBeNull();
    expect(w.store.sqlite.prepare('SELECT count(*) FROM group_members WHERE group_id = ?').pluck().get(g)).toBe(1);
    expect(opsFor(m).map((o) => o.kind)).toEqual(['setAdd', 'setRemove', 'setAdd']);
    expect(eventsFor(m)).toHaveLength(3);
    // A record type that is not a set refuses it.
    expect(() => write(ctx, (s) => setMember(ctx, s, 'groups', g, 'global', { name: 'x' }, true))).toThrow(/not set members/);
  });

  it('a deleted record is restored with its fields at a fresh stamp, keeping the delete’s clock', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const id = uuidv7();
    write(ctx, (s) => createRecord(ctx, s, 'groups', id, 'global', { name: 'Field team' }));
    write(ctx, (s) => deleteRecord(ctx, s, 'groups', id));
    const deleted = row('groups', id).deleted_hlc as string;
    write(ctx, (s) => restoreRecord(ctx, s, 'groups', id, { name: 'Field team (back)' }));
    const r = row('groups', id);
    expect(r).toMatchObject({ deleted_hlc: null, name: 'Field team (back)' });
    const clocks = JSON.parse(r.field_hlc as string) as Record<string, string>;
    expect(clocks._deleted).toBe(deleted);
    expect(clocks._restored! > deleted).toBe(true);
    expect(opsFor(id).map((o) => o.kind)).toEqual(['create', 'delete', 'restore']);
    expect(JSON.parse(opsFor(id)[2]!.payload)).toEqual({ fields: { name: 'Field team (back)' } });
    expect(() => write(ctx, (s) => restoreRecord(ctx, s, 'groups', id, { name: '' }))).toThrow(/groups.name/);
  });

  it('a child is appended with an append op; a record type that is not append-only refuses it', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const a = createAsset(ctx, { tag: 'A-1', name: 'Laptop' });
    const h = uuidv7();
    write(ctx, (s) => appendRecord(ctx, s, 'asset_history', h, w.siteId, { asset_id: a.id, actor_id: w.admin.id, kind: 'field', field: 'notes' }));
    expect(opsFor(h).map((o) => o.kind)).toEqual(['append']);
    expect(() => write(ctx, (s) => appendRecord(ctx, s, 'groups', uuidv7(), 'global', { name: 'x' }))).toThrow(/not appended/);
  });

  it('an update that moves a record sends its new site, clocks scope_id and takes its children along on the device', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const other = uuidv7();
    write(ctx, (s) => createRecord(ctx, s, 'sites', other, 'global', { name: 'Depot' }));
    const a = createAsset(ctx, { tag: 'A-2', name: 'Printer' });
    write(ctx, (s) => updateRecord(ctx, s, 'assets', a.id, { name: 'Printer 2' }, { scopeId: other }));
    const r = row('assets', a.id);
    expect(r).toMatchObject({ scope_id: other, name: 'Printer 2' });
    expect(Object.keys(JSON.parse(r.field_hlc as string) as object)).toEqual(expect.arrayContaining(['name', 'scope_id']));
    const last = opsFor(a.id).at(-1)!;
    expect(JSON.parse(last.payload)).toEqual({ name: 'Printer 2', scope_id: other });
    expect(w.store.sqlite.prepare('SELECT DISTINCT scope_id FROM asset_history WHERE asset_id = ?').pluck().all(a.id)).toEqual([other]);
  });

  it('the audit event can be said in the caller’s words, filed under another record, or left to the caller', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const id = uuidv7();
    write(ctx, (s) => createRecord(ctx, s, 'groups', id, 'global', { name: 'Ops' }, { audit: { type: 'team', before: null, after: { named: 'Ops' } } }));
    const e = w.store.sqlite.prepare('SELECT record_type, after FROM audit_events WHERE record_id = ?').get(id) as { record_type: string; after: string };
    expect(e.record_type).toBe('team');
    expect(JSON.parse(e.after)).toEqual({ named: 'Ops' });
    write(ctx, (s) => updateRecord(ctx, s, 'groups', id, { name: 'Ops 2' }, { audit: false }));
    expect(eventsFor(id)).toHaveLength(1);
    expect(opsFor(id)).toHaveLength(2);
  });

  it('the bulk sink writes the same rows, ops and events as single writes, with a gapless sequence', () => {
    const ctx = w.ctx(w.admin, 'test.record');
    const seq0 = Number(w.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get() ?? 0);
    const loc = createLocation(ctx, { name: 'Store room', kind: 'room' });
    const ids = Array.from({ length: 250 }, () => uuidv7());
    write(
      ctx,
      (s) => {
        const sink = new BulkSink(w.store.sqlite, s);
        ids.forEach((id, i) =>
          createRecord(ctx, sink.scope, 'assets', id, w.siteId, { tag: `B-${i}`, tag_key: `b-${i}`, name: `Bulk ${i}`, type: 'laptop', status: 'in_stock', location_id: loc.id, custom_fields: '{}' }, { buffer: true }),
        );
        // A read of a buffered row sees it (the update flushes the buffers first).
        updateRecord(ctx, sink.scope, 'assets', ids[0]!, { name: 'Bulk first' });
        sink.flush();
      },
      { auditOps: true },
    );
    expect(w.store.sqlite.prepare('SELECT count(*) FROM assets WHERE tag_key LIKE ?').pluck().get('b-%')).toBe(250);
    expect(row('assets', ids[0]!).name).toBe('Bulk first');
    const seqs = w.store.sqlite.prepare('SELECT device_seq FROM pending_ops WHERE device_seq > ? ORDER BY device_seq').pluck().all(seq0) as number[];
    expect(seqs.every((v, i) => i === 0 || v === seqs[i - 1]! + 1)).toBe(true);
    expect(Number(w.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get())).toBe(seqs.at(-1));
    expect(eventsFor(ids[1]!)).toHaveLength(1);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
    // A bad value in a bulk write is refused like a single one.
    expect(() =>
      write(ctx, (s) => {
        const sink = new BulkSink(w.store.sqlite, s);
        createRecord(ctx, sink.scope, 'assets', uuidv7(), w.siteId, { tag: 'C', tag_key: 'c', name: 'x', type: 'laptop', status: 'lost in space' }, { buffer: true });
      }),
    ).toThrow(/status/);
  });

  it('a bulk op keeps the time its record happened, as a single one does, and is checked by the guard it is given', () => {
    const ctx = w.ctx(w.admin, 'test.bulk');
    const past = '2016-03-01T09:00:00.000Z';
    const single = uuidv7();
    const bulk = uuidv7();
    const judged: string[] = [];
    write(ctx, (s) => {
      createRecord(ctx, s, 'groups', single, 'global', { name: 'Single', description: null }, { times: { createdAt: past, updatedAt: past } });
      const sink = new BulkSink(w.store.sqlite, s, (op) => judged.push(`${op.kind}:${op.recordId}`));
      createRecord(ctx, sink.scope, 'groups', bulk, 'global', { name: 'Bulk', description: null }, { times: { createdAt: past, updatedAt: past }, buffer: true });
      sink.flush();
    });
    const createdAt = (id: string) => w.store.sqlite.prepare('SELECT created_at FROM pending_ops WHERE record_id = ?').pluck().get(id);
    expect(createdAt(single)).toBe(past);
    expect(createdAt(bulk)).toBe(past);
    expect(judged).toEqual([`create:${bulk}`]);
    expect(() =>
      write(ctx, (s) => {
        const sink = new BulkSink(w.store.sqlite, s, () => {
          throw new Error('refused');
        });
        createRecord(ctx, sink.scope, 'groups', uuidv7(), 'global', { name: 'Refused', description: null }, { buffer: true });
      }),
    ).toThrow('refused');
    expect(w.store.sqlite.prepare("SELECT count(*) FROM groups WHERE name = 'Refused'").pluck().get()).toBe(0);
  });
});
