/**
 * An asset import on a device joined to a server is judged by the server's rules before anything is
 * written (core/guard.ts), as a single write is: a file the server would refuse (a site the person's
 * server standing no longer covers, a role the server does not let write people, status labels or
 * assets) is refused at once, in a single write's words, and writes nothing. Before, the import
 * wrote it all locally and the server refused every op at the next sync. The server's own verdict on
 * the same ops is checked against the real push engine on an embedded server store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appErrorOf, countRows, makeWorld, type World } from '../../../testing';
import type { Actor } from '../../core/context';
import { getMeta, setMetaJson, setMeta } from '../../core/meta';
import { createSite } from '../../directory/sites';
import { createAsset, updateAsset } from '../assets';
import { createLocation } from '../locations';
import { nextBatch } from '../../../sync/outbox';
import { memoryServerStore, pushAs, type ServerStore } from '../../../../server/testing/push';
import type { WireOp } from '../../../../shared/sync/wire';
import type { WriterRole } from '../../../../shared/sync/entities';
import { uuidv7 } from '../../../../shared/ids';
import { importFile, type ImportInput } from './index';

/** Two new assets in a new place, statuses Snipe-IT knows: a file any technician may import. */
const PLAIN = [
  'Asset Tag,Name,Category,Status,Location',
  'GRD-1,Laptop one,Laptops,Ready to Deploy,Store room',
  'GRD-2,Laptop two,Laptops,Ready to Deploy,Store room',
].join('\n');
/** Checks an asset out to someone not yet in Outpost: an administrator's import adds them. */
const NEW_PERSON = [
  'Asset Tag,Name,Status,Checked Out To: Username,Checked Out To: First Name,Checked Out To: Last Name',
  'GRD-3,Dock,Deployed,nina.new,Nina,New',
].join('\n');
/** A status label the team does not have: an administrator's import adds it to the team's list. */
const NEW_LABEL = ['Asset Tag,Name,Status', 'GRD-4,Monitor,Awaiting courier'].join('\n');
/** The same two assets again, one of them sent for repair: edits and history rows of existing assets. */
const UPDATE = [
  'Asset Tag,Name,Category,Status,Location',
  'GRD-1,Laptop one,Laptops,Out for Repair,Store room',
  'GRD-2,Laptop two (renamed),Laptops,Ready to Deploy,Store room',
].join('\n');

let w: World;
let server: ServerStore;
beforeEach(async () => {
  w = makeWorld();
  server = await memoryServerStore();
});
afterEach(async () => {
  w.dispose();
  await server.close();
});

const imp = (who: Actor, content: string, extra: Partial<ImportInput> = {}) =>
  importFile(w.ctx(who, 'assets.import'), { format: 'snipe-it-assets', content, dryRun: false, ...extra });

/** What sync leaves in meta once the device has joined as someone the server knows by `role` and `sites`. */
function join(role: WriterRole, sites: string[] | null) {
  const sqlite = w.store.sqlite;
  setMeta(sqlite, 'sync.server_url', 'http://sync.example.test');
  setMetaJson(sqlite, 'sync.user', { username: 'field1', role, personId: uuidv7() });
  setMetaJson(sqlite, 'sync.scopes', sites);
}

/** Every table an asset import writes, the device's sequence and its clock: a refused file changes none of them. */
function footprint() {
  const tables = ['assets', 'asset_history', 'users', 'user_sites', 'locations', 'team_settings', 'pending_ops', 'audit_events'];
  return { ...Object.fromEntries(tables.map((t) => [t, countRows(w.store, t)])), device_seq: getMeta(w.store.sqlite, 'device_seq') };
}

const seqNow = () => Number(getMeta(w.store.sqlite, 'device_seq') ?? 0);

/** The ops queued after `seq`, as a push sends them. */
function queuedAfter(seq: number): WireOp[] {
  return nextBatch(w.store.sqlite).ops.filter((o) => o.deviceSeq > seq);
}

/** What the server answers those ops pushed by a person of `role` holding `sites`, as one new device. */
function serverVerdict(ops: WireOp[], role: WriterRole, sites: string[] | null, deviceId = uuidv7(), firstSeq = 1) {
  return pushAs(server, { role, sites, deviceId }, ops, { firstSeq, nowMs: w.clock.now().getTime() + 60_000 });
}

const refusals = (results: { status: string; reason?: string }[]) => [
  ...new Set(results.filter((r) => r.status === 'rejected').map((r) => r.reason)),
];

describe('an asset import on a device joined to a server', () => {
  it('the server refuses what a standalone device writes for someone whose server standing does not cover the site', async () => {
    // Standalone, no one else judges: the file is written as always.
    const tech = w.user('technician', 'tess');
    const seq = seqNow();
    expect(imp(tech, PLAIN)).toMatchObject({ created: 2, errors: [] });
    const ops = queuedAfter(seq);
    expect(ops.map((o) => `${o.kind} ${o.entity}`)).toEqual(['create locations', 'create assets', 'create assets']);
    // The same person on the server holds another site only: every op would come back refused.
    const verdict = await serverVerdict(ops, 'technician', ['another-site']);
    expect(verdict.every((r) => r.status === 'rejected')).toBe(true);
    expect(refusals(verdict)).toEqual([`You do not have access to site ${w.siteId}.`]);
  });

  it('refuses at once, and writes nothing, a file for a site the server no longer gives the person', () => {
    const tech = w.user('technician', 'tess');
    const depot = createSite(w.ctx(w.admin), { name: 'Depot' }).id;
    // Locally tess still holds Head Office; on the server she was moved to the Depot.
    join('technician', [depot]);
    const before = footprint();
    const e = appErrorOf(() => imp(tech, PLAIN));
    expect(e.code).toBe('forbidden');
    expect(e.message).toBe(`The server would refuse this change: You do not have access to site ${w.siteId}.`);
    expect(footprint()).toEqual(before);
    // A file for the site she holds on the server goes through.
    expect(imp(tech, PLAIN, { siteId: depot })).toMatchObject({ created: 2, errors: [] });
    expect(countRows(w.store, 'assets')).toBe(2);
  });

  it("refuses an administrator's file that adds people or status labels when the server knows the person as a technician", async () => {
    // The device's own account is an administrator; it joined the team as a technician.
    join('technician', null);
    const before = footprint();
    const people = appErrorOf(() => imp(w.admin, NEW_PERSON));
    expect(people.message).toBe('The server would refuse this change: Your role (technician) cannot change users.');
    expect(footprint()).toEqual(before);
    const labels = appErrorOf(() => imp(w.admin, NEW_LABEL));
    expect(labels.message).toBe('The server would refuse this change: Your role (technician) cannot change team settings.');
    expect(footprint()).toEqual(before);
    // What the server says of the same ops from a technician.
    setMeta(w.store.sqlite, 'sync.server_url', '');
    const seq = seqNow();
    imp(w.admin, NEW_PERSON);
    imp(w.admin, NEW_LABEL);
    const verdict = await serverVerdict(queuedAfter(seq), 'technician', null);
    expect(refusals(verdict)).toEqual(
      expect.arrayContaining([
        'Your role (technician) cannot change users.',
        'Your role (technician) cannot change user sites.',
        'Your role (technician) cannot change team settings.',
      ]),
    );
  });

  it('refuses a file from someone the server knows as an auditor or a requester', () => {
    const tech = w.user('technician', 'tess');
    const before = footprint();
    join('auditor', null);
    expect(appErrorOf(() => imp(tech, PLAIN)).message).toBe(
      'The server would refuse this change: Your role (auditor) cannot change locations.',
    );
    expect(appErrorOf(() => imp(tech, ['Asset Tag,Name', 'GRD-9,Spare'].join('\n'))).message).toBe(
      'The server would refuse this change: Auditors cannot create, delete or restore assets.',
    );
    join('requester', null);
    expect(appErrorOf(() => imp(tech, PLAIN)).message).toBe(
      'The server would refuse this change: Your role (requester) cannot change locations.',
    );
    expect(footprint()).toEqual(before);
  });

  it('writes a file the server accepts as before, new and existing assets alike, and the server applies every op', async () => {
    const tech = w.user('technician', 'tess');
    join('technician', [w.siteId]);
    const device = uuidv7();
    const seq = seqNow();
    expect(imp(tech, PLAIN)).toMatchObject({ created: 2, errors: [] });
    const created = queuedAfter(seq);
    expect(refusals(await serverVerdict(created, 'technician', [w.siteId], device))).toEqual([]);
    const seq2 = seqNow();
    expect(imp(tech, UPDATE)).toMatchObject({ created: 0, updated: 2, errors: [] });
    const updated = queuedAfter(seq2);
    expect(updated.map((o) => `${o.kind} ${o.entity}`).sort()).toEqual(['append asset_history', 'setFields assets', 'setFields assets']);
    expect(refusals(await serverVerdict(updated, 'technician', [w.siteId], device, created.length + 1))).toEqual([]);
  });

  it('refuses a move out of a site the server no longer gives the person, in a file and in a single edit alike', async () => {
    const depot = createSite(w.ctx(w.admin), { name: 'Depot' }).id;
    const tech = w.user('technician', 'tess', { siteIds: [w.siteId, depot] });
    createLocation(w.ctx(w.admin), { name: 'Store room', kind: 'room', siteId: w.siteId });
    const projector = createAsset(w.ctx(w.admin), { tag: 'GRD-7', name: 'Projector', siteId: depot });
    // What the server holds: everything so far, from an administrator.
    const setup = queuedAfter(0);
    await serverVerdict(setup, 'admin', null);
    // Tess still holds the Depot here; on the server she holds Head Office only. The file puts the
    // Depot's projector in Head Office's store room: a move out of the Depot.
    const MOVE = ['Asset Tag,Name,Location', 'GRD-7,Projector,Store room'].join('\n');
    join('technician', [w.siteId]);
    const before = footprint();
    const refusal = `The server would refuse this change: You do not have access to site ${depot}.`;
    expect(appErrorOf(() => imp(tech, MOVE)).message).toBe(refusal);
    expect(appErrorOf(() => updateAsset(w.ctx(tech, 'assets.update'), projector.id, { siteId: w.siteId })).message).toBe(refusal);
    expect(footprint()).toEqual(before);
    // The server's verdict on the move the device used to queue.
    setMeta(w.store.sqlite, 'sync.server_url', '');
    const seq = seqNow();
    expect(imp(tech, MOVE)).toMatchObject({ updated: 1, errors: [] });
    const verdict = await serverVerdict(queuedAfter(seq), 'technician', [w.siteId]);
    expect(refusals(verdict)).toContain(`You do not have access to site ${depot}.`);
  });
});
