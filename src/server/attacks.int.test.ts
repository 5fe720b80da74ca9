/**
 * The server trusts no device: each attack a review made against the server with one valid account
 * of each role, replayed over real HTTP as a modified client would send it. Each is refused (or
 * rendered harmless), and the victim's pull is free of it and still parses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHlc, isHlc, MAX_DRIFT_MS } from '../shared/hlc';
import { uuidv7 } from '../shared/ids';
import { addAccount, latest, post, signIn, ticketNumber, ticketPayload, type Actor } from './testing/actors';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const PG = process.env.OUTPOST_TEST_PG_URL;
const A = 'site-a';
const B = 'site-b';

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`the server refuses a modified client (${variant} store)`, () => {
    let server: TestServer;
    let admin: Actor;
    let techA: Actor;
    let techB: Actor;
    let reqA: Actor;
    let reqA2: Actor;
    let audA: Actor;
    let ticketB: string;
    let ticketOfReq: string;
    let ticketOfTech: string;

    const account = (username: string, role: Actor['role'], sites: string[] | null) => addAccount(server.url, admin, username, role, sites);

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
      for (const [id, name] of [[A, 'Site A'], [B, 'Site B']] as const) {
        expect((await admin.one({ kind: 'create', entity: 'sites', recordId: id, scopeId: 'global', payload: { name, scope_id: 'global' } })).status).toBe('applied');
      }
      techA = await account('tara', 'technician', [A]);
      techB = await account('bob', 'technician', [B]);
      reqA = await account('rita', 'requester', [A]);
      reqA2 = await account('ravi', 'requester', [A]);
      audA = await account('audrey', 'auditor', [A]);
      ticketB = uuidv7();
      expect((await techB.one({ kind: 'create', entity: 'tickets', recordId: ticketB, scopeId: B, payload: { number: ticketNumber(), ...ticketPayload(B) } })).status).toBe('applied');
      ticketOfReq = uuidv7();
      expect((await reqA.one({ kind: 'create', entity: 'tickets', recordId: ticketOfReq, scopeId: A, payload: { number: ticketNumber(), ...ticketPayload(A, { title: 'My laptop is slow' }) } })).status).toBe('applied');
      ticketOfTech = uuidv7();
      expect((await techA.one({ kind: 'create', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { number: ticketNumber(), ...ticketPayload(A, { title: 'Core switch down', requester_id: reqA2.personId }) } })).status).toBe('applied');
    });
    afterAll(async () => {
      await server?.close();
    });

    it('1. a forged clock at the counter limit is refused, and every device keeps well-formed clocks', async () => {
      const hlc = formatHlc({ wall: Date.now() + 4 * 60_000, counter: 0xffffffff });
      const r = await audA.one({ kind: 'create', entity: 'saved_views', recordId: uuidv7(), scopeId: 'global', hlc, payload: { name: 'x', base: 'all', filter: '{}', sort: 'priority', owner_id: audA.personId } });
      expect(r.status).toBe('rejected');
      expect(r.reason).toMatch(/malformed clock/);
      // A clock far ahead but below the limit is clamped and stays in the fixed width.
      const ahead = formatHlc({ wall: Date.now() + 60 * 60_000, counter: 0xfffeffff });
      const id = uuidv7();
      const r2 = await techA.one({ kind: 'create', entity: 'tickets', recordId: id, scopeId: A, hlc: ahead, payload: { number: ticketNumber(), ...ticketPayload(A) } });
      expect(r2).toMatchObject({ status: 'applied', clamped: true });
      for (const c of await techA.pullAll()) {
        for (const stamp of Object.values(c.fieldHlc)) expect(isHlc(stamp.slice(0, stamp.indexOf('@'))), `${c.entity}.${stamp}`).toBe(true);
        if (c.id === id) expect(Number(Object.values(c.fieldHlc)[0]!.slice(0, 15))).toBeLessThanOrEqual(Date.now() + MAX_DRIFT_MS);
      }
    });

    it('2. no writing into a site one does not hold, whatever the envelope or payload says', async () => {
      const sneaky = uuidv7();
      const r = await techA.one({ kind: 'create', entity: 'tickets', recordId: sneaky, scopeId: A, payload: { number: ticketNumber(), ...ticketPayload(B) } });
      expect(r.status).toBe('rejected');
      expect(r.reason).toMatch(/site-b/);
      const comment = uuidv7();
      const r2 = await techA.one({ kind: 'append', entity: 'ticket_comments', recordId: comment, scopeId: A, payload: { ticket_id: ticketB, author_id: admin.personId, body: 'INTERNAL: planted', internal: 1, scope_id: A } });
      expect(r2.status).toBe('rejected');
      const atB = latest(await techB.pullAll());
      expect(atB.has(`tickets/${sneaky}`)).toBe(false);
      expect(atB.has(`ticket_comments/${comment}`)).toBe(false);
      // Moving one's own record to a site one does not hold, or to the whole team, is refused too.
      expect((await techA.one({ kind: 'setFields', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { scope_id: B } })).status).toBe('rejected');
      expect((await techA.one({ kind: 'setFields', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { scope_id: 'global' } })).status).toBe('rejected');
    });

    it('2b. identity fields come from the signed-in person, not from the payload', async () => {
      const id = uuidv7();
      const r = await techA.one({ kind: 'append', entity: 'ticket_comments', recordId: id, scopeId: A, payload: { ticket_id: ticketOfTech, author_id: admin.personId, body: 'Rebooted the switch', internal: 0, scope_id: A } });
      expect(r.status).toBe('applied');
      const c = latest(await techA.pullAll()).get(`ticket_comments/${id}`)!;
      expect(c.data.author_id).toBe(techA.personId);
    });

    it('3. requesters cannot edit through create, cannot carry fields in a status change, and cannot touch others’ tickets', async () => {
      const asCreate = await reqA.one({ kind: 'create', entity: 'tickets', recordId: ticketOfReq, scopeId: A, payload: { title: 'Pwned', status: 'closed', assignee_id: reqA.personId, priority: 1, scope_id: A } });
      expect(asCreate.status).toBe('rejected');
      const withTitle = await reqA.one({ kind: 'transition', entity: 'tickets', recordId: ticketOfReq, scopeId: A, payload: { from: 'new', to: 'cancelled', fields: { status: 'cancelled', title: 'changed' } } });
      expect(withTitle.status).toBe('rejected');
      const others = await reqA.one({ kind: 'transition', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { from: 'new', to: 'cancelled', fields: { status: 'cancelled', closed_at: new Date().toISOString() } } });
      expect(others.status).toBe('rejected');
      const t = latest(await techA.pullAll());
      expect(t.get(`tickets/${ticketOfReq}`)!.data).toMatchObject({ title: 'My laptop is slow', status: 'new', priority: 4 });
      expect(t.get(`tickets/${ticketOfReq}`)!.data.assignee_id ?? null).toBeNull();
      expect(t.get(`tickets/${ticketOfTech}`)!.data.status).toBe('new');
      // Their own ticket they may cancel.
      const own = await reqA.one({ kind: 'transition', entity: 'tickets', recordId: ticketOfReq, scopeId: A, payload: { from: 'new', to: 'cancelled', fields: { status: 'cancelled', is_open: 0, closed_at: new Date().toISOString() } } });
      expect(own.status).toBe('applied');
      // Their timeline records only their own moves: a status row claiming a resolution or an
      // assignment is refused, and nobody's pull carries it; the rows their own moves write pass.
      const history = (from: string | null, to: string) => ({
        kind: 'append' as const,
        entity: 'ticket_history',
        recordId: uuidv7(),
        scopeId: A,
        payload: { ticket_id: ticketOfReq, actor_id: reqA.personId, kind: 'status', field: null, from_value: from, to_value: to, reason: null },
      });
      const forged = [history('in_progress', 'resolved'), history('new', 'assigned'), history(null, 'closed')];
      for (const op of forged) expect((await reqA.one(op)).status).toBe('rejected');
      const honest = history('new', 'cancelled');
      expect((await reqA.one(honest)).status).toBe('applied');
      const seen = latest(await techA.pullAll());
      for (const op of forged) expect(seen.has(`ticket_history/${op.recordId}`)).toBe(false);
      expect(seen.get(`ticket_history/${honest.recordId}`)!.data).toMatchObject({ from_value: 'new', to_value: 'cancelled' });
    });

    it('3b. a technician cannot skip the status machine or rewrite a number', async () => {
      const number = latest(await techA.pullAll()).get(`tickets/${ticketOfTech}`)!.data.number;
      const r = await techA.one({ kind: 'create', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { status: 'closed', number: 'INC9999999', title: 'Core switch down (edited)' } });
      expect(r.status).not.toBe('rejected');
      const r2 = await techA.one({ kind: 'setFields', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { number: 'INC9999998' } });
      expect(r2.status).not.toBe('rejected');
      const skip = await techA.one({ kind: 'transition', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { from: 'new', to: 'closed', fields: { status: 'closed' } } });
      expect(skip.status).not.toBe('applied');
      const t = latest(await techA.pullAll()).get(`tickets/${ticketOfTech}`)!;
      expect(t.data).toMatchObject({ status: 'new', number, title: 'Core switch down (edited)' });
    });

    it('4. an object inside a value is refused, so no pull ever carries one', async () => {
      const r = await techA.one({ kind: 'transition', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { from: 'new', to: 'in_progress', fields: { status: 'in_progress', from: { nested: { deep: [1, 2, 3] } } } } });
      expect(r.status).toBe('rejected');
      const r2 = await techA.one({ kind: 'setFields', entity: 'tickets', recordId: ticketOfTech, scopeId: A, payload: { title: { x: 1 } } });
      expect(r2.status).toBe('rejected');
      // pullAll parses every page as a device does.
      for (const who of [admin, techA, reqA, audA]) await expect(who.pullAll()).resolves.toBeInstanceOf(Array);
    });

    it('5. a requester’s pull holds only their tickets and public comments, and nobody receives a password hash', async () => {
      const pub = uuidv7();
      const internal = uuidv7();
      await techA.one({ kind: 'append', entity: 'ticket_comments', recordId: pub, scopeId: A, payload: { ticket_id: ticketOfReq, author_id: techA.personId, body: 'Looking into it', internal: 0, scope_id: A } });
      await techA.one({ kind: 'append', entity: 'ticket_comments', recordId: internal, scopeId: A, payload: { ticket_id: ticketOfReq, author_id: techA.personId, body: 'INTERNAL: reset password to hunter2', internal: 1, scope_id: A } });
      await admin.one({ kind: 'create', entity: 'users', recordId: uuidv7(), scopeId: 'global', payload: { username: 'nina', display_name: 'Nina', email: null, role: 'technician', active: 1, password_hash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==', scope_id: 'global' } });
      const seen = latest(await reqA.pullAll());
      const tickets = [...seen.values()].filter((c) => c.entity === 'tickets').map((c) => c.id);
      expect(tickets).toEqual([ticketOfReq]);
      expect(seen.has(`ticket_comments/${pub}`)).toBe(true);
      expect(seen.has(`ticket_comments/${internal}`)).toBe(false);
      expect([...seen.values()].some((c) => c.entity === 'ticket_worklogs' || c.entity === 'sync_conflicts')).toBe(false);
      for (const who of [admin, techA, reqA, audA]) {
        for (const c of await who.pullAll()) {
          expect(c.data).not.toHaveProperty('password_hash');
          expect(JSON.stringify(c)).not.toContain('scrypt$');
        }
      }
    });

    it('6. only the server records conflicts, and settling one needs the right to write its field', async () => {
      const forged = uuidv7();
      const r = await techA.one({ kind: 'create', entity: 'sync_conflicts', recordId: forged, scopeId: 'global', payload: { entity: 'users', record_id: admin.personId, field: 'role', kind: 'field', kept_value: 'admin', lost_value: 'technician', kept_stamp: null, lost_stamp: null, kept_device: null, lost_device: null, lost_author: null, status: 'open', resolution: null, resolved_by: null, scope_id: 'global' } });
      expect(r.status).toBe('rejected');
      expect(r.reason).toMatch(/Only the server/);
      expect(latest(await admin.pullAll()).has(`sync_conflicts/${forged}`)).toBe(false);
    });

    it('7. a sequence number used again for another change is a clash, never acknowledged', async () => {
      const first = uuidv7();
      const seq = techA.seq++;
      const r1 = await techA.push([{ deviceSeq: seq, kind: 'create', entity: 'tickets', recordId: first, scopeId: A, payload: { number: ticketNumber(), ...ticketPayload(A) } }]);
      expect(r1.body.value!.results[0]!.status).toBe('applied');
      const second = uuidv7();
      const r2 = await techA.push([{ deviceSeq: seq, kind: 'create', entity: 'tickets', recordId: second, scopeId: A, payload: { number: ticketNumber(), ...ticketPayload(A) } }]);
      expect(r2.status).toBe(200);
      expect(r2.body.value!.results).toEqual([]);
      expect(r2.body.value!.seqClash).toEqual([seq]);
      expect(latest(await techA.pullAll()).has(`tickets/${second}`)).toBe(false);
    });

    it('8. number leases are for staff, capped per device, and never pass the number format', async () => {
      const asReq = await post(server.url, '/sync/lease', { deviceId: reqA.deviceId, prefix: 'INC', count: 500 }, reqA.token);
      expect(asReq.status).toBe(403);
      let refused = 0;
      for (let i = 0; i < 6; i++) {
        const r = await post(server.url, '/sync/lease', { deviceId: techA.deviceId, prefix: 'INC', count: 500 }, techA.token);
        if (r.status === 429) refused++;
        else expect(r.status).toBe(200);
      }
      expect(refused).toBe(2);
    });

    it('also: another person’s saved view cannot be edited or deleted, and an auditor cannot move assets', async () => {
      const view = uuidv7();
      expect((await admin.one({ kind: 'create', entity: 'saved_views', recordId: view, scopeId: 'global', payload: { name: 'Mine', base: 'all', filter: '{}', sort: 'priority', owner_id: admin.personId, scope_id: 'global' } })).status).toBe('applied');
      expect((await techA.one({ kind: 'setFields', entity: 'saved_views', recordId: view, scopeId: 'global', payload: { name: 'Hijacked' } })).status).toBe('rejected');
      expect((await techA.one({ kind: 'delete', entity: 'saved_views', recordId: view, scopeId: 'global', payload: {} })).status).toBe('rejected');
      // A view created for someone else becomes the creator's own.
      const planted = uuidv7();
      expect((await techA.one({ kind: 'create', entity: 'saved_views', recordId: planted, scopeId: 'global', payload: { name: 'Planted', base: 'all', filter: '{}', sort: 'priority', owner_id: admin.personId, scope_id: 'global' } })).status).toBe('applied');
      expect(latest(await admin.pullAll()).has(`saved_views/${planted}`)).toBe(false);
      expect(latest(await techA.pullAll()).get(`saved_views/${planted}`)!.data.owner_id).toBe(techA.personId);

      const asset = uuidv7();
      const now = new Date().toISOString();
      expect((await techA.one({ kind: 'create', entity: 'assets', recordId: asset, scopeId: A, payload: { tag: 'AST-1', tag_key: 'ast-1', name: 'Laptop', type: 'laptop', status: 'in_stock', custom_fields: '{}', scope_id: A } })).status).toBe('applied');
      expect((await audA.one({ kind: 'setFields', entity: 'assets', recordId: asset, scopeId: A, payload: { scope_id: B } })).status).toBe('rejected');
      expect((await audA.one({ kind: 'setFields', entity: 'assets', recordId: asset, scopeId: A, payload: { last_audit_at: now.slice(0, 10) } })).status).toBe('applied');
    });

    it('also: a far-future creation time is clamped to the server’s clock', async () => {
      const id = uuidv7();
      expect((await techA.one({ kind: 'create', entity: 'tickets', recordId: id, scopeId: A, createdAt: '2099-01-01T00:00:00.000Z', payload: { number: ticketNumber(), ...ticketPayload(A) } })).status).toBe('applied');
      const t = latest(await techA.pullAll()).get(`tickets/${id}`)!;
      expect(Date.parse(t.createdAt)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(t.updatedAt)).toBeLessThanOrEqual(Date.now());
    });

    it('a person’s team record and their account are one identity: the record’s id is what their writes carry', async () => {
      const profile = uuidv7();
      expect((await admin.one({ kind: 'create', entity: 'users', recordId: profile, scopeId: 'global', payload: { username: 'ravi', display_name: 'Ravi', email: null, role: 'requester', active: 1, scope_id: 'global' } })).status).toBe('applied');
      // A second record with the same username is refused: one person, one record.
      expect((await admin.one({ kind: 'create', entity: 'users', recordId: uuidv7(), scopeId: 'global', payload: { username: 'ravi', display_name: 'Ravi 2', email: null, role: 'requester', active: 1, scope_id: 'global' } })).status).toBe('rejected');
      const ravi = await signIn(server.url, 'ravi', 'password123', 'requester');
      expect(ravi.personId).toBe(profile);
      const mine = uuidv7();
      // (Its number may be renumbered: a technician leased a block earlier.)
      expect((await ravi.one({ kind: 'create', entity: 'tickets', recordId: mine, scopeId: A, payload: { number: ticketNumber(), ...ticketPayload(A, { requester_id: techA.personId }) } })).status).not.toBe('rejected');
      const seen = latest(await ravi.pullAll());
      expect(seen.get(`tickets/${mine}`)!.data.requester_id).toBe(profile);
    });
  });
}
