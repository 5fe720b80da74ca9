/**
 * Issue 9's "also found by reading": identity fields (author_id, actor_id, auditor_id,
 * started_by_id, created_by, uploaded_by, raised_by, …) cannot be forged. For every synced record
 * type with identity fields, a staff member pushes a new record over real HTTP naming someone else
 * in each of them; the server either refuses it or stores the signed-in person in every one, and
 * every reader's pull shows that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_RULES } from '../shared/sync/entities';
import { uuidv7 } from '../shared/ids';
import { latest, post, signIn, type Actor } from './testing/actors';
import { makeRecord, newPayload } from './testing/matrix';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const SITE = 'site-ident';

describe('identity fields come from the signed-in person, for every record type that has them', () => {
  let server: TestServer;
  let admin: Actor;
  const staff: Actor[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
    await admin.one({ kind: 'create', entity: 'sites', recordId: SITE, scopeId: 'global', payload: { name: 'Identity site', code: null, timezone: null, scope_id: 'global' } });
    for (const role of ['technician', 'auditor'] as const) {
      expect((await post(server.url, '/auth/users', { username: `${role}-id`, password: 'password123', role, sites: [SITE] }, admin.token)).status).toBe(200);
      staff.push(await signIn(server.url, `${role}-id`, 'password123', role));
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a record naming someone else as its author, actor, auditor or starter is stored as the writer’s, or refused', async () => {
    const stored: string[] = [];
    const refused: string[] = [];
    for (const [entity, rule] of Object.entries(ENTITY_RULES)) {
      const identity = rule.identity ?? [];
      if (!identity.length || rule.serverCreated) continue;
      const home = rule.home === 'global' ? 'global' : SITE;
      // The writers a record type has, staff first; the administrator last (then the forged name is a technician's).
      const writers = [...staff.filter((a) => rule.writers.includes(a.role)), ...(rule.writers.includes('admin') ? [admin] : [])];
      let outcome = 'no writer';
      for (const writer of writers) {
        const victim = writer === admin ? staff[0]! : admin;
        const parentId = rule.parent ? await makeRecord(server, admin, rule.parent.entity, home, writer.personId, null) : null;
        const payload = newPayload(entity, rule, home, parentId, writer.personId);
        for (const f of identity) payload[f] = victim.personId;
        const id = uuidv7();
        const kind = rule.merge === 'append' ? 'append' : rule.merge === 'set' ? 'setAdd' : 'create';
        const r = await writer.one({ kind, entity, recordId: id, scopeId: home, payload });
        if (r.status === 'rejected') {
          outcome = `refused: ${r.reason}`;
          continue;
        }
        const got = latest(await admin.pullAll()).get(`${entity}/${id}`);
        expect(got, `${entity} written by ${writer.role}`).toBeDefined();
        for (const f of identity) expect(got!.data[f], `${entity}.${f} written by ${writer.role}`).toBe(writer.personId);
        outcome = 'stored';
        break;
      }
      if (outcome === 'stored') stored.push(entity);
      else refused.push(`${entity}: ${outcome}`);
    }
    // Refused by every writer would not be forged either, but then the check proved nothing: every
    // such type took a well-formed record and stored its writer in its identity fields.
    expect(refused).toEqual([]);
    expect(stored).toEqual(expect.arrayContaining(['ticket_comments', 'ticket_history', 'audit_sessions', 'audit_scans', 'assessments', 'evidence', 'findings']));
  });
});
