import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { DEFAULT_CATEGORIES, getSettings, listCategories, priorityMatrix, updateSettings } from './settings';
import { migrateTeamSettings } from './migrate';
import { derivePulled } from './derive';
import { createTicket, transitionTicket, updateTicket } from '../tickets/tickets';
import { checkCustomFields, listFieldDefs, saveFieldDefs } from '../assets/fields';
import { readModels } from '../assets/models';
import { setMetaJson, setMeta } from '../core/meta';
import { AppError } from '../../../shared/result';
import { BASELINE_HLC, PRIORITY_MATRIX_ID } from '../../../shared/settings/team';
import { DEFAULT_PRIORITY_MATRIX } from '../../../shared/tickets/rules';

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

const admin = () => w.ctx(w.admin, 'settings.update');
const ops = (entity: string) =>
  (
    w.store.sqlite
      .prepare('SELECT kind, record_id AS id, scope_id AS scope, hlc, payload FROM pending_ops WHERE entity = ? ORDER BY device_seq')
      .all(entity) as {
      kind: string;
      id: string;
      scope: string;
      hlc: string;
      payload: string;
    }[]
  ).map((o) => ({ ...o, payload: JSON.parse(o.payload) as Record<string, unknown> }));
const rows = (table: string) => w.store.sqlite.prepare(`SELECT * FROM ${table} ORDER BY position, name`).all() as Record<string, unknown>[];

function err(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('team settings', () => {
  it('reads the defaults while the team has stored nothing', () => {
    const s = getSettings(admin());
    expect(s.priorityMatrix).toEqual(DEFAULT_PRIORITY_MATRIX);
    expect(s.categories).toEqual(DEFAULT_CATEGORIES);
    expect(s.updates).toEqual({ enabled: false, url: null });
    expect(s.organisation).toBe('Head Office');
    expect(ops('team_settings')).toEqual([]);
  });

  it('stores the matrix as one global synced row, and later edits send only the new value', () => {
    const m1 = [
      [1, 1, 2],
      [2, 3, 4],
      [3, 4, 4],
    ] as const;
    updateSettings(admin(), { priorityMatrix: m1.map((r) => [...r]) });
    w.clock.advance(1000);
    const m2 = [
      [1, 2, 2],
      [2, 3, 4],
      [3, 4, 4],
    ] as const;
    updateSettings(admin(), { priorityMatrix: m2.map((r) => [...r]) });
    updateSettings(admin(), { priorityMatrix: m2.map((r) => [...r]) });
    expect(priorityMatrix(w.ctx(null))).toEqual(m2);
    const o = ops('team_settings');
    expect(o.map((x) => [x.kind, x.id, x.scope])).toEqual([
      ['create', PRIORITY_MATRIX_ID, 'global'],
      ['setFields', PRIORITY_MATRIX_ID, 'global'],
    ]);
    expect(o[0]!.payload).toEqual({ key: 'priority_matrix', value: JSON.stringify(m1), scope_id: 'global' });
    expect(o[1]!.payload).toEqual({ value: JSON.stringify(m2) });
  });

  it('re-derives the priority of open tickets that were not set by hand when the matrix changes', () => {
    const tech = w.ctx(w.user('technician', 'tina'));
    const open = createTicket(tech, { type: 'incident', title: 'derived', impact: 2, urgency: 2 });
    const manual = createTicket(tech, { type: 'incident', title: 'by hand', impact: 2, urgency: 2 });
    updateTicket(tech, manual.id, { priority: 1 });
    const done = createTicket(tech, { type: 'incident', title: 'closed', impact: 2, urgency: 2 });
    transitionTicket(tech, done.id, { to: 'cancelled' });
    updateSettings(admin(), {
      priorityMatrix: [
        [1, 2, 3],
        [2, 1, 4],
        [3, 4, 4],
      ],
    });
    const p = (id: string) => w.store.sqlite.prepare('SELECT priority FROM tickets WHERE id = ?').pluck().get(id);
    expect([p(open.id), p(manual.id), p(done.id)]).toEqual([1, 1, 3]);
    // A new ticket follows the new matrix too.
    expect(createTicket(tech, { type: 'incident', title: 'new', impact: 2, urgency: 2 }).priority).toBe(1);
  });

  it('refuses a malformed matrix and writes nothing', () => {
    const e = err(() =>
      updateSettings(admin(), {
        priorityMatrix: [
          [1, 2, 3],
          [2, 3, 4],
        ] as never,
      }),
    );
    expect(e.code).toBe('invalid_input');
    expect(ops('team_settings')).toEqual([]);
  });

  it('keeps the update feed and organisation as team values', () => {
    updateSettings(admin(), { organisation: 'Acme IT', updates: { enabled: true, url: 'https://updates.example.com/outpost' } });
    const s = getSettings(admin());
    expect(s.organisation).toBe('Acme IT');
    expect(s.updates).toEqual({ enabled: true, url: 'https://updates.example.com/outpost' });
    expect(
      ops('team_settings')
        .map((o) => o.payload.key)
        .sort(),
    ).toEqual(['organisation', 'updates']);
  });
});

describe('ticket categories', () => {
  it('stores the defaults as a baseline the first time, then the administrator’s change at its own clock', () => {
    const next = [
      ...DEFAULT_CATEGORIES.filter((c) => c.name !== 'Facilities'),
      { name: 'Security', subcategories: ['Phishing', 'Malware'] },
    ];
    updateSettings(admin(), { categories: next });
    expect(listCategories(w.store.sqlite)).toEqual(next);
    const o = ops('ticket_categories');
    const baseline = o.filter((x) => x.hlc === BASELINE_HLC);
    const deliberate = o.filter((x) => x.hlc !== BASELINE_HLC);
    // Every default (6 categories and their subcategories) as a baseline create...
    expect(baseline.length).toBe(DEFAULT_CATEGORIES.reduce((n, c) => n + 1 + c.subcategories.length, 0));
    expect(baseline.every((x) => x.kind === 'create' && x.scope === 'global')).toBe(true);
    // ...then only what changed: Facilities and its 3 subcategories off, Security and its two on.
    expect(deliberate.filter((x) => x.kind === 'create').map((x) => x.payload.name)).toEqual(['Security', 'Phishing', 'Malware']);
    expect(deliberate.filter((x) => x.kind === 'setFields').map((x) => x.payload)).toEqual(Array(4).fill({ active: 0 }));
  });

  it('on a device joined as a technician, saving the default list is refused at once: its baseline rows are judged too', () => {
    // The device's own account is an administrator; the server knows the person as a technician.
    setMeta(w.store.sqlite, 'sync.server_url', 'http://sync.example.test');
    setMetaJson(w.store.sqlite, 'sync.user', { username: 'field1', role: 'technician' });
    setMetaJson(w.store.sqlite, 'sync.scopes', null);
    const queued = () => w.store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get();
    const before = queued();
    // Only baseline rows would be written (the list is the defaults): before, they went to the
    // outbox unjudged and the server refused every one at the next sync.
    expect(() => updateSettings(admin(), { categories: DEFAULT_CATEGORIES })).toThrow('The server would refuse this change: Your role (technician) cannot change ticket categories.');
    expect(queued()).toBe(before);
    expect(ops('ticket_categories')).toEqual([]);
  });

  it('removes and adds back through the active flag, so both sync by their clocks', () => {
    const without = DEFAULT_CATEGORIES.filter((c) => c.name !== 'Email');
    updateSettings(admin(), { categories: without });
    expect(listCategories(w.store.sqlite).map((c) => c.name)).not.toContain('Email');
    updateSettings(admin(), { categories: DEFAULT_CATEGORIES });
    expect(listCategories(w.store.sqlite)).toEqual(DEFAULT_CATEGORIES);
    const email = rows('ticket_categories').find((r) => r.name === 'Email')!;
    expect(email.active).toBe(1);
    expect(rows('ticket_categories').filter((r) => r.name === 'Email')).toHaveLength(1);
  });

  it('rejects a category listed twice (any case) and writes nothing', () => {
    const e = err(() =>
      updateSettings(admin(), {
        categories: [
          { name: 'Hardware', subcategories: [] },
          { name: 'hardware ', subcategories: [] },
        ],
      }),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/listed twice/);
    expect(rows('ticket_categories')).toEqual([]);
    const e2 = err(() => updateSettings(admin(), { categories: [{ name: 'Hardware', subcategories: ['Laptop', 'laptop'] }] }));
    expect(e2.message).toMatch(/"laptop" is listed twice under Hardware/);
    expect(rows('ticket_categories')).toEqual([]);
  });
});

describe('asset custom fields', () => {
  it('keeps one synced row per field; removing one marks it inactive', () => {
    const c = w.ctx(w.admin, 'assets.saveFieldDefs');
    saveFieldDefs(c, {
      category: 'Laptop',
      fields: [
        { key: 'ram', label: 'RAM (GB)', type: 'number', required: true },
        { key: 'cpu', label: 'CPU', type: 'text', required: false },
      ],
    });
    saveFieldDefs(c, { category: 'Phone', fields: [{ key: 'imei', label: 'IMEI', type: 'text', required: true }] });
    saveFieldDefs(c, { category: 'laptop', fields: [{ key: 'ram', label: 'Memory (GB)', type: 'number', required: true }] });
    expect(listFieldDefs(c)).toEqual([
      { category: 'laptop', fields: [{ key: 'ram', label: 'Memory (GB)', type: 'number', required: true }] },
      { category: 'Phone', fields: [{ key: 'imei', label: 'IMEI', type: 'text', required: true }] },
    ]);
    const defs = w.store.sqlite.prepare('SELECT key, active, scope_id FROM asset_field_defs ORDER BY key').all();
    expect(defs).toEqual([
      { key: 'cpu', active: 0, scope_id: 'global' },
      { key: 'imei', active: 1, scope_id: 'global' },
      { key: 'ram', active: 1, scope_id: 'global' },
    ]);
    expect(() => checkCustomFields(w.store.sqlite, 'Laptop', {}, true, ['customFields'])).toThrow(/Memory \(GB\): required/);
    expect(() => checkCustomFields(w.store.sqlite, 'Laptop', { ram: 16 }, true, ['customFields'])).not.toThrow();
  });
});

describe('upgrade from per-device settings', () => {
  it('moves the old values into team rows at the baseline clock, once', () => {
    const sqlite = w.store.sqlite;
    sqlite.prepare("DELETE FROM meta WHERE key = 'team_settings.migrated'").run();
    const matrix = [
      [1, 1, 1],
      [2, 2, 2],
      [3, 3, 3],
    ];
    setMetaJson(sqlite, 'priority_matrix', matrix);
    setMetaJson(sqlite, 'categories', [{ name: 'Kit', subcategories: ['Cables'] }]);
    setMetaJson(sqlite, 'updates', { enabled: true, url: 'https://feed.example.com' });
    setMetaJson(sqlite, 'asset_field_defs', [
      { category: 'Laptop', fields: [{ key: 'ram', label: 'RAM', type: 'number', required: false }] },
    ]);
    setMetaJson(sqlite, 'asset_models', {
      'latitude 5440': { name: 'Latitude 5440', category: 'Laptop', manufacturer: 'Dell', modelNumber: 'L5440', eolMonths: 48 },
    });
    setMeta(sqlite, 'organisation', 'Old name');

    expect(migrateTeamSettings(sqlite, w.clock.now().toISOString())).toBe(true);
    expect(migrateTeamSettings(sqlite, w.clock.now().toISOString())).toBe(false);
    // The old keys no longer decide anything: the rows do.
    sqlite.prepare("DELETE FROM meta WHERE key IN ('priority_matrix', 'categories', 'updates', 'asset_field_defs', 'asset_models')").run();

    const s = getSettings(admin());
    expect(s.priorityMatrix).toEqual(matrix);
    expect(s.categories).toEqual([{ name: 'Kit', subcategories: ['Cables'] }]);
    expect(s.updates).toEqual({ enabled: true, url: 'https://feed.example.com' });
    expect(s.organisation).toBe('Old name');
    expect(listFieldDefs(admin())).toEqual([
      { category: 'Laptop', fields: [{ key: 'ram', label: 'RAM', type: 'number', required: false }] },
    ]);
    expect(readModels(sqlite)['latitude 5440']).toEqual({
      name: 'Latitude 5440',
      category: 'Laptop',
      manufacturer: 'Dell',
      modelNumber: 'L5440',
      eolMonths: 48,
    });

    const all = sqlite
      .prepare(
        "SELECT entity, kind, hlc FROM pending_ops WHERE scope_id = 'global' AND entity NOT IN ('users', 'sites', 'user_sites') ORDER BY device_seq",
      )
      .all() as { entity: string; kind: string; hlc: string }[];
    expect(new Set(all.map((o) => o.entity))).toEqual(new Set(['team_settings', 'ticket_categories', 'asset_field_defs', 'asset_models']));
    expect(all.every((o) => o.kind === 'create' && o.hlc === BASELINE_HLC)).toBe(true);
    // The organisation stays this device's own until an administrator sets it.
    expect(sqlite.prepare("SELECT count(*) FROM team_settings WHERE key = 'organisation'").pluck().get()).toBe(0);
  });
});

describe('derived priority on pulled changes', () => {
  it('recomputes pulled tickets, and every open ticket when the matrix arrives', () => {
    const tech = w.ctx(w.user('technician', 'tina'));
    const a = createTicket(tech, { type: 'incident', title: 'a', impact: 1, urgency: 3 });
    const b = createTicket(tech, { type: 'incident', title: 'b', impact: 3, urgency: 1 });
    const sqlite = w.store.sqlite;
    // As if a page had written stale priorities.
    sqlite.prepare('UPDATE tickets SET priority = 4').run();
    const matrix = () => DEFAULT_PRIORITY_MATRIX;
    expect(derivePulled(sqlite, [{ entity: 'tickets', id: a.id }], matrix)).toBe(1);
    const p = (id: string) => sqlite.prepare('SELECT priority FROM tickets WHERE id = ?').pluck().get(id);
    expect([p(a.id), p(b.id)]).toEqual([3, 4]);
    expect(derivePulled(sqlite, [{ entity: 'team_settings', id: PRIORITY_MATRIX_ID }], matrix)).toBe(1);
    expect(p(b.id)).toBe(3);
    expect(derivePulled(sqlite, [{ entity: 'users', id: 'x' }], matrix)).toBe(0);
  });
});
