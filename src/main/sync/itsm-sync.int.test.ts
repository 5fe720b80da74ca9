/**
 * Problems (and changes) between laptops through a real server over HTTP: incidents linked to one
 * problem on two laptops offline both stay linked, the review's actions from both are kept, and a
 * known error's workaround reaches the incident on the other laptop; an auditor's laptop reads them;
 * a requester's pull holds none of them. Two approvals given offline on two laptops both count (the
 * quorum is reached only after sync), a rejection given offline wins over an approval, and the
 * server refuses a change scheduled without its quorum and a vote from someone who is no approver. A
 * plan edited on one laptop while the other approves offline voids that approval everywhere and asks
 * the approver again; the server refuses a plan or asset edit under votes that starts no new round.
 * Runs on the embedded store, and on PostgreSQL when
 * OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { uuidv7 } from '../../shared/ids';
import { push, type PushAuth } from '../../server/engine';
import type { WireOp } from '../../shared/sync/wire';

const PG = process.env.OUTPOST_TEST_PG_URL;
const ITSM_TYPES = ['problems', 'problem_incidents', 'problem_actions', 'changes', 'change_assets', 'change_approvals'];

for (const variant of ['sqlite', 'postgres'] as const)
  describe.skipIf(variant === 'postgres' && !PG)(`problems and changes over sync (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    let c: Device;
    let tessId: string;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      const admin = await serverLogin(server);
      for (const [username, role] of [
        ['tess', 'technician'],
        ['ann', 'auditor'],
        ['rita', 'requester'],
      ] as const)
        expect((await serverPost(server, '/auth/users', { username, password: 'password123', role, sites: null }, admin)).status).toBe(200);
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Depot' });
      c = await startDevice({ site: 'Plant' });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      // Tess's team profile: the server knows her by it (her votes carry its id).
      tessId = (await a.call('users.create', { username: 'tess', displayName: 'Tess Board', role: 'technician', password: 'local-only-pass' })).id;
      await a.call('sync.now');
      await b.call('sync.join', { serverUrl: server.url, username: 'tess', password: 'password123' });
      await c.call('sync.join', { serverUrl: server.url, username: 'ann', password: 'password123' });
      await b.call('sync.now');
      await c.call('sync.now');
    }, 120_000);
    afterAll(async () => {
      a?.close();
      b?.close();
      c?.close();
      await server?.close();
    });

    const syncAll = async () => {
      for (const d of [a, b, a, b, c]) await d.call('sync.now');
    };

    it('incidents linked to one problem on two laptops offline both stay linked; actions from both are kept; the workaround reaches the other laptop', async () => {
      const t1 = await a.call('tickets.create', { type: 'incident', title: 'Badge readers offline in hall 1', impact: 2, urgency: 2 });
      const t2 = await a.call('tickets.create', { type: 'incident', title: 'Badge readers offline in hall 2', impact: 2, urgency: 2 });
      const p = await a.call('problems.create', { title: 'Badge controller loses its lease' });
      expect(p.number).toMatch(/^PRB\d{7}$/);
      await syncAll();
      expect((await b.call('problems.get', { id: p.id })).title).toBe('Badge controller loses its lease');

      // Both offline: each links one incident and adds one action.
      await a.call('problems.linkIncident', { id: p.id, ticketId: t1.id });
      await b.call('problems.linkIncident', { id: p.id, ticketId: t2.id });
      await a.call('problems.addAction', { id: p.id, description: 'Reserve the controller’s address' });
      await b.call('problems.addAction', { id: p.id, description: 'Monitor the lease' });
      await b.call('problems.update', { id: p.id, workaround: 'Power-cycle the controller.', knownError: true, status: 'known_error' });
      await syncAll();
      for (const d of [a, b, c]) {
        const got = await d.call('problems.get', { id: p.id });
        expect(got.incidents.map((i) => i.number).sort()).toEqual([t1.number, t2.number].sort());
        expect(got.review.actions.map((x) => x.description).sort()).toEqual(['Monitor the lease', 'Reserve the controller’s address']);
        expect(got.status).toBe('known_error');
      }
      expect((await a.call('problems.forTicket', { ticketId: t1.id })).items[0]).toMatchObject({ number: p.number, knownError: true, workaround: 'Power-cycle the controller.' });
      // The auditor reads, and writes nothing.
      await expect(c.call('problems.update', { id: p.id, title: 'Renamed' })).rejects.toThrow(/forbidden|administrators and technicians|role/i);
    });

    let boardId: string;
    const plan = { windowStart: '2026-03-07T22:00:00.000Z', windowEnd: '2026-03-08T02:00:00.000Z', backoutPlan: 'Roll back to the saved configuration.' };
    const awaiting = async (title: string) => {
      const ch = await a.call('changes.create', { type: 'normal', title, ...plan });
      await a.call('changes.move', { id: ch.id, to: 'assessment' });
      await a.call('changes.move', { id: ch.id, to: 'awaiting_approval' });
      await syncAll();
      return ch;
    };

    it('two approvals given offline on two laptops both count: the quorum is reached only after sync', async () => {
      boardId = (await a.call('groups.create', { name: 'Change board', memberIds: [tessId] })).id;
      await a.call('changes.setPolicy', { groupId: boardId, quorum: { normal: 2, emergency: 1 } });
      await syncAll();
      expect(await b.call('changes.policy')).toEqual({ groupId: boardId, quorum: { normal: 2, emergency: 1 } });
      const ch = await awaiting('Replace the core router');
      expect((await b.call('changes.get', { id: ch.id })).canVote).toBe(true);

      // Both offline: the administrator approves on one laptop, the board member on the other.
      const onA = await a.call('changes.vote', { id: ch.id, decision: 'approve', comment: 'Window agreed with the plant.' });
      const onB = await b.call('changes.vote', { id: ch.id, decision: 'approve' });
      for (const got of [onA, onB]) expect([got.status, got.tally.approvals]).toEqual(['awaiting_approval', 1]);
      await syncAll();
      for (const d of [a, b, c]) {
        const got = await d.call('changes.get', { id: ch.id });
        expect(got.status).toBe('scheduled');
        expect(got.tally).toEqual({ approvals: 2, rejections: 0, quorum: 2 });
        expect(new Set(got.votes.map((v) => v.approverId)).size).toBe(2);
        expect(got.votes.map((v) => v.approverName)).toContain('Tess Board');
      }
      // The calendar of every laptop shows it.
      const cal = await c.call('changes.calendar', { from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' });
      expect(cal.items.map((i) => i.number)).toContain(ch.number);
      // Scheduled by its votes, it moves on anywhere; the server takes the move.
      await b.call('changes.move', { id: ch.id, to: 'implementing' });
      await syncAll();
      expect((await a.call('changes.get', { id: ch.id })).status).toBe('implementing');
    });

    it('a rejection given offline wins over an approval given on the other laptop', async () => {
      const ch = await awaiting('Retire the old VPN');
      await a.call('changes.vote', { id: ch.id, decision: 'approve' });
      await b.call('changes.vote', { id: ch.id, decision: 'reject', comment: 'Forty people still use it.' });
      await syncAll();
      for (const d of [a, b]) expect((await d.call('changes.get', { id: ch.id })).status).toBe('rejected');
    });

    it('the server refuses a change scheduled without its quorum, and a vote from someone who is no approver', async () => {
      const ch = await awaiting('Re-address the DMZ');
      const site = (a.rt.store.sqlite.prepare('SELECT scope_id FROM changes WHERE id = ?').pluck().get(ch.id) as string);
      const now = Date.now();
      const op = (seq: number, o: Pick<WireOp, 'kind' | 'entity' | 'recordId' | 'payload'>): WireOp => ({
        opId: uuidv7(),
        deviceSeq: seq,
        hlc: `${String(now).padStart(15, '0')}:${String(seq).padStart(8, '0')}`,
        schemaVersion: 1,
        scopeId: site,
        createdAt: new Date(now).toISOString(),
        ...o,
      });
      const send = async (auth: PushAuth, o: WireOp) => (await push(server.store, auth, { deviceId: auth.deviceId, clientVersion: 'test', schemaVersion: 1, cursor: 0, ops: [o] }, now)).results[0]!;
      const outsider: PushAuth = { userId: uuidv7(), role: 'technician', sites: null, deviceId: uuidv7() };
      // A modified client writes the status itself.
      expect(await send(outsider, op(1, { kind: 'setFields', entity: 'changes', recordId: ch.id, payload: { status: 'scheduled' } }))).toMatchObject({
        status: 'rejected',
        reason: 'The change is scheduled by its approvals: 0 of 2 given.',
      });
      expect(await send(outsider, op(2, { kind: 'setFields', entity: 'changes', recordId: ch.id, payload: { status: 'implementing' } }))).toMatchObject({ status: 'rejected', reason: 'An awaiting approval change cannot move to implementing.' });
      expect(await send(outsider, op(3, { kind: 'append', entity: 'change_approvals', recordId: uuidv7(), payload: { change_id: ch.id, approver_id: tessId, decision: 'approve', scope_id: site } }))).toMatchObject({
        status: 'rejected',
        reason: 'Only change approvers (administrators and the approvers’ group) vote on changes.',
      });
      await syncAll();
      expect((await a.call('changes.get', { id: ch.id })).status).toBe('awaiting_approval');
      expect((await a.call('changes.get', { id: ch.id })).votes).toEqual([]);
    });

    it('a plan edited on one laptop while the other approves offline asks for approval again on every laptop', async () => {
      const ch = await awaiting('Move the plant firewall');
      // Offline: the administrator moves the window on one laptop; the board member approves the old plan on the other.
      const edited = await a.call('changes.update', { id: ch.id, windowStart: '2026-03-14T22:00:00.000Z', windowEnd: '2026-03-15T02:00:00.000Z' });
      expect(edited.status).toBe('awaiting_approval');
      await b.call('changes.vote', { id: ch.id, decision: 'approve', comment: 'Fine for the 7th.' });
      await a.call('changes.vote', { id: ch.id, decision: 'approve' });
      await syncAll();
      for (const d of [a, b, c]) {
        const got = await d.call('changes.get', { id: ch.id });
        expect(got.windowStart).toBe('2026-03-14T22:00:00.000Z');
        expect(got.status).toBe('awaiting_approval');
        expect(got.tally).toEqual({ approvals: 1, rejections: 0, quorum: 2 });
        // Tess's vote was given on the earlier plan: kept and shown, not counted.
        expect(got.votes.map((v) => [v.approverName, v.earlierPlan])).toContainEqual(['Tess Board', true]);
      }
      // Tess is asked again in her alerts; her new vote schedules it everywhere.
      const asked = await b.call('alerts.list', { kinds: ['change_approval'] });
      expect(asked.items.map((x) => [x.recordId, x.title])).toContainEqual([ch.id, `${ch.number} changed after your vote: approve it again`]);
      await b.call('changes.vote', { id: ch.id, decision: 'approve' });
      await syncAll();
      for (const d of [a, b, c]) expect((await d.call('changes.get', { id: ch.id })).status).toBe('scheduled');

      // A modified client that edits the plan under those votes without a new round, or changes the assets, is refused.
      const site = a.rt.store.sqlite.prepare('SELECT scope_id FROM changes WHERE id = ?').pluck().get(ch.id) as string;
      const now = Date.now();
      const writer: PushAuth = { userId: uuidv7(), role: 'technician', sites: null, deviceId: uuidv7() };
      const send = async (seq: number, o: Pick<WireOp, 'kind' | 'entity' | 'recordId' | 'payload'>) =>
        (
          await push(
            server.store,
            writer,
            {
              deviceId: writer.deviceId,
              clientVersion: 'test',
              schemaVersion: 1,
              cursor: 0,
              ops: [{ opId: uuidv7(), deviceSeq: seq, hlc: `${String(now).padStart(15, '0')}:${String(seq).padStart(8, '0')}`, schemaVersion: 1, scopeId: site, createdAt: new Date(now).toISOString(), ...o }],
            },
            now,
          )
        ).results[0]!;
      expect(await send(1, { kind: 'setFields', entity: 'changes', recordId: ch.id, payload: { backout_plan: 'None.' } })).toMatchObject({
        status: 'rejected',
        reason: 'Changing the backout plan of a change that awaits approval asks for approval again: the edit must start a new approval round.',
      });
      const asset = await a.call('assets.create', { tag: 'FW-PLANT', name: 'Plant firewall', type: 'network' });
      await syncAll();
      expect(
        await send(2, { kind: 'setAdd', entity: 'change_assets', recordId: uuidv7(), payload: { change_id: ch.id, asset_id: asset.id, scope_id: site } }),
      ).toMatchObject({ status: 'rejected', reason: 'Changing the assets of a change that awaits approval asks for approval again: start a new approval round first.' });
      // With a new round, the same edit is taken and the change awaits approval again.
      // (Stored: a writer that never saw the earlier plan meets it as a concurrent text edit, so the server keeps both as a conflict.)
      expect((await send(3, { kind: 'setFields', entity: 'changes', recordId: ch.id, payload: { backout_plan: 'Restore the saved rules.', approval_round: uuidv7() } })).status).not.toBe('rejected');
      await syncAll();
      expect((await a.call('changes.get', { id: ch.id })).status).toBe('awaiting_approval');
    });

    it('a requester’s pull holds no problem or change record', async () => {
      const rita = await serverPost(server, '/auth/login', { username: 'rita', password: 'password123', deviceId: uuidv7(), deviceName: 'kiosk' });
      const token = (rita.body.value as { accessToken: string }).accessToken;
      const res = await fetch(`${server.url}/sync/pull?cursor=0&limit=100000`, { headers: { authorization: `Bearer ${token}` } });
      const page = (await res.json()) as { value: { changes: { entity: string }[] } };
      expect(page.value.changes.length).toBeGreaterThan(0);
      expect(page.value.changes.filter((ch) => ITSM_TYPES.includes(ch.entity))).toEqual([]);
      // The auditor's pull holds them.
      const ann = await serverPost(server, '/auth/login', { username: 'ann', password: 'password123', deviceId: uuidv7(), deviceName: 'audit laptop' });
      const annToken = (ann.body.value as { accessToken: string }).accessToken;
      const all = (await (await fetch(`${server.url}/sync/pull?cursor=0&limit=100000`, { headers: { authorization: `Bearer ${annToken}` } })).json()) as { value: { changes: { entity: string }[] } };
      expect(all.value.changes.some((ch) => ch.entity === 'problem_incidents')).toBe(true);
    });
  });
