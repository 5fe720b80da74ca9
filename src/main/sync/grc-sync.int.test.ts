/**
 * Risks and assessments between laptops through a real server (over HTTP): a likelihood raised on
 * one and an impact raised on the other both survive and the level is derived from both; two
 * auditors assessing different requirements of one assessment offline both keep their results;
 * risks made offline on two devices keep distinct RSK numbers; a KEV exposure linked to a risk on
 * one laptop reaches the others; the server refuses risks from an
 * auditor, a requester and a technician of another site, and a requester's pull holds no GRC record.
 * Runs on the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { FIXTURES } from '../services/assets/test-fixtures';
import { push, type PushAuth } from '../../server/engine';
import { uuidv7 } from '../../shared/ids';
import type { WireOp } from '../../shared/sync/wire';

const PG = process.env.OUTPOST_TEST_PG_URL;
const lib = (f: string) => fs.readFileSync(path.join(FIXTURES, 'grc', f), 'utf8');

for (const variant of ['sqlite', 'postgres'] as const)
  describe.skipIf(variant === 'postgres' && !PG)(`risks and assessments over sync (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    let c: Device;
    let matrixId: string;
    let frameworkId: string;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      const admin = await serverLogin(server);
      for (const [username, role] of [
        ['tess', 'technician'],
        ['ann', 'auditor'],
      ] as const)
        expect((await serverPost(server, '/auth/users', { username, password: 'password123', role, sites: null }, admin)).status).toBe(200);
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Depot' });
      c = await startDevice({ site: 'Plant' });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await a.call('sync.now');
      matrixId = (await a.call('grc.importLibrary', { content: lib('critical_risk_matrix_5x5.yaml') })).id;
      frameworkId = (await a.call('grc.importLibrary', { content: lib('nist-csf-2.0.yaml') })).id;
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

    it('the libraries reach every device, requirement nodes included', async () => {
      expect((await c.call('grc.framework', { id: frameworkId })).nodes).toHaveLength(
        (await a.call('grc.framework', { id: frameworkId })).nodes.length,
      );
      expect((await b.call('grc.matrices')).items.map((m) => m.id)).toContain(matrixId);
    });

    it("the matrix an administrator chose for a site's register reaches the other laptops", async () => {
      const m3 = (await a.call('grc.importLibrary', { content: lib('risk-matrix-3x3-mult.yaml') })).id;
      await a.call('sync.now');
      const onA = new Set((await a.call('grc.registers')).items.map((r) => r.siteId));
      const site = (await b.call('grc.registers')).items.find((r) => onA.has(r.siteId))!;
      expect((await a.call('grc.setRegisterMatrix', { siteId: site.siteId, matrixId: m3 })).register.matrixId).toBe(m3);
      await a.call('sync.now');
      await b.call('sync.now');
      expect((await b.call('grc.registers')).items.find((r) => r.siteId === site.siteId)).toMatchObject({ matrixId: m3, chosen: true });
      const r = await b.call('risks.create', { title: 'Dust in the server cabinet', siteId: site.siteId, inherent: { likelihood: 3, impact: 3 } });
      expect(r.matrixId).toBe(m3);
      await b.call('sync.now');
      await a.call('sync.now');
      expect((await a.call('risks.get', { id: r.id })).inherent).toEqual(r.inherent);
      // Give the register back to the team's 5×5 so the tests below score as before.
      await a.call('grc.setRegisterMatrix', { siteId: site.siteId, matrixId });
      await a.call('sync.now');
      await b.call('sync.now');
    });

    it('a likelihood raised on one laptop and an impact raised on another both survive', async () => {
      const r = await a.call('risks.create', {
        title: 'Ransomware on the plant network',
        matrixId,
        inherent: { likelihood: 2, impact: 2 },
      });
      expect(r.inherent.level).toMatchObject({ abbreviation: 'L', name: 'Low' });
      await a.call('sync.now');
      await b.call('sync.now');
      expect((await b.call('risks.get', { id: r.id })).title).toBe('Ransomware on the plant network');

      // Both offline: A raises the likelihood, B the impact.
      await a.call('risks.update', { id: r.id, inherent: { likelihood: 4, impact: 2 }, reason: 'Exploit kit seen at a sister plant' });
      await b.call('risks.update', { id: r.id, inherent: { likelihood: 2, impact: 5 }, reason: 'The line stops without the HMI' });
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('sync.now');
      for (const d of [a, b]) {
        const got = await d.call('risks.get', { id: r.id });
        expect(got.inherent).toMatchObject({ likelihood: 4, impact: 5, level: { abbreviation: 'VH', name: 'Very High' } });
        expect(got.history.map((h) => h.reason).sort()).toEqual([
          'Exploit kit seen at a sister plant',
          'Scored when the risk was raised.',
          'The line stops without the HMI',
        ]);
      }
    });

    it('risks raised offline on two devices keep distinct numbers', async () => {
      const x = await a.call('risks.create', { title: 'UPS batteries past their life', matrixId });
      const y = await b.call('risks.create', { title: 'Single fibre link to the plant', matrixId });
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('sync.now');
      const nx = (await b.call('risks.get', { id: x.id })).number;
      const ny = (await a.call('risks.get', { id: y.id })).number;
      expect(nx).toMatch(/^RSK-\d{4,}$/);
      expect(ny).toMatch(/^RSK-\d{4,}$/);
      expect(nx).not.toBe(ny);
      expect((await a.call('risks.get', { id: x.id })).number).toBe(nx);
      expect((await b.call('risks.get', { id: y.id })).number).toBe(ny);
    });

    it('a ticket linked to a risk on one laptop is linked on the others, and unlinked from the ticket side', async () => {
      const r = await a.call('risks.create', { title: 'Supplier outage stops dispatch', matrixId });
      const t = await a.call('tickets.create', { type: 'incident', title: 'Supplier portal down', impact: 2, urgency: 2 });
      await a.call('risks.link', { id: r.id, kind: 'ticket', targetId: t.id });
      await a.call('sync.now');
      await b.call('sync.now');
      await c.call('sync.now');
      expect((await b.call('risks.forTicket', { ticketId: t.id })).items.map((x) => x.id)).toEqual([r.id]);
      expect((await c.call('risks.get', { id: r.id })).tickets.map((x) => x.number)).toEqual([t.number]);
      await b.call('risks.link', { id: r.id, kind: 'ticket', targetId: t.id, present: false });
      await b.call('sync.now');
      await a.call('sync.now');
      expect((await a.call('risks.get', { id: r.id })).tickets).toEqual([]);
      expect((await a.call('risks.forTicket', { ticketId: t.id })).items).toEqual([]);
    });

    it('a KEV exposure linked to a risk offline on one laptop reaches the others; the server checks the CVE id', async () => {
      // The KEV catalogue is reference data on each device: A has loaded it, B has not.
      await a.call('software.importKev', { content: fs.readFileSync(path.join(FIXTURES, 'vulnerabilities/cisa-kev.json'), 'utf8') });
      const srv = await a.call('assets.create', { tag: 'BUILD-7', name: 'Build server', type: 'server' });
      await a.call('software.add', { assetId: srv.id, name: 'git', vendor: 'Git', version: '2.45.1' });
      const r = await a.call('risks.create', { title: 'Source code tampered with', matrixId, siteId: srv.siteId });
      await a.call('sync.now');
      await b.call('sync.now');
      // Offline on A: the exposure is linked.
      const linked = await a.call('risks.linkKev', { id: r.id, assetId: srv.id, cveId: 'CVE-2025-48384' });
      expect(linked.kev.map((k) => [k.cveId, k.assetTag, k.dueDate])).toEqual([['CVE-2025-48384', 'BUILD-7', '2025-09-15']]);
      await a.call('sync.now');
      await b.call('sync.now');
      await c.call('sync.now');
      const onB = await b.call('risks.get', { id: r.id });
      // B knows the link and the asset, though not the catalogue's data until it loads the catalogue.
      expect(onB.kev).toEqual([expect.objectContaining({ cveId: 'CVE-2025-48384', assetTag: 'BUILD-7', dueDate: null, vulnerabilityName: null })]);
      expect(onB.assets.map((x) => x.tag)).toEqual(['BUILD-7']);
      expect((await c.call('risks.kevCoverage', { assetId: srv.id })).items.map((x) => x.riskId)).toEqual([r.id]);
      // Unlinked on B (no catalogue needed to remove a link), gone on A after sync.
      await b.call('risks.linkKev', { id: r.id, assetId: srv.id, cveId: 'CVE-2025-48384', present: false });
      await b.call('sync.now');
      await a.call('sync.now');
      expect((await a.call('risks.get', { id: r.id })).kev).toEqual([]);
      await a.call('risks.linkKev', { id: r.id, assetId: srv.id, cveId: 'CVE-2025-48384' });
      await a.call('sync.now');
      await b.call('sync.now');
      expect((await b.call('risks.get', { id: r.id })).kev.map((k) => k.cveId)).toEqual(['CVE-2025-48384']);

      // The server validates a link from the description of the record type: a malformed CVE id is refused.
      const now = Date.now();
      const auth: PushAuth = { userId: uuidv7(), role: 'technician', sites: null, deviceId: uuidv7() };
      const forged: WireOp = {
        opId: uuidv7(),
        deviceSeq: 1,
        hlc: `${String(now).padStart(15, '0')}:00000001`,
        schemaVersion: 1,
        scopeId: srv.siteId,
        createdAt: new Date(now).toISOString(),
        kind: 'setAdd',
        entity: 'risk_vulnerabilities',
        recordId: uuidv7(),
        payload: { risk_id: r.id, asset_id: srv.id, cve_id: 'not-a-cve', scope_id: srv.siteId },
      };
      const res = (await push(server.store, auth, { deviceId: auth.deviceId, clientVersion: 'test', schemaVersion: 1, cursor: 0, ops: [forged] }, now)).results[0]!;
      expect(res.status).toBe('rejected');
      expect(res).toMatchObject({ reason: expect.stringContaining('A CVE id looks like CVE-2024-3400.') });
    });

    it('a risk renumbered at sync keeps the number it was shown with, on every device', async () => {
      // A laptop used on its own first numbers risks locally: RSK-0001 is already someone else's.
      const d = await startDevice({ site: 'HQ' });
      try {
        const mine = await d.call('risks.create', { title: 'Flooding in the pump room' });
        expect(mine.number).toBe('RSK-0001');
        await d.call('sync.join', { serverUrl: server.url, ...ADMIN });
        await d.call('sync.now');
        await d.call('sync.now');
        const renumbered = await d.call('risks.get', { id: mine.id });
        expect(renumbered.number).not.toBe('RSK-0001');
        expect(renumbered.formerNumber).toBe('RSK-0001');
        await a.call('sync.now');
        const seen = await a.call('risks.get', { id: mine.id });
        expect([seen.number, seen.formerNumber]).toEqual([renumbered.number, 'RSK-0001']);
        // Searching the old number finds it (beside the risk that rightfully holds RSK-0001).
        expect((await a.call('risks.list', { q: 'RSK-0001' })).items.map((x) => x.id)).toContain(mine.id);
      } finally {
        d.close();
      }
    });

    it('two auditors assessing different requirements offline both keep their results', async () => {
      const { id, total } = await c.call('assessments.start', { frameworkId });
      expect(total).toBe(106);
      await c.call('sync.now');
      await a.call('sync.now');
      // Offline: the auditor on C and the administrator on A assess different requirements, and both touch GV.OC-01.
      await c.call('assessments.assess', { assessmentId: id, ref: 'GV.OC-01', result: 'compliant', score: 3 });
      await c.call('assessments.assess', { assessmentId: id, ref: 'GV.OC-02', result: 'partially_compliant', score: 2 });
      await a.call('assessments.assess', {
        assessmentId: id,
        ref: 'PR.AA-01',
        result: 'non_compliant',
        score: 1,
        observation: 'Shared operator account on the HMI',
      });
      await a.call('assessments.assess', { assessmentId: id, ref: 'DE.CM-01', result: 'compliant', score: 4 });
      await c.call('sync.now');
      await a.call('sync.now');
      await c.call('sync.now');
      const onC = await c.call('assessments.get', { id });
      const onA = await a.call('assessments.get', { id });
      for (const got of [onA, onC]) {
        expect(got.progress.assessed).toBe(4);
        expect(Object.fromEntries(got.results.map((r) => [r.refId, r.result]))).toEqual({
          'GV.OC-01': 'compliant',
          'GV.OC-02': 'partially_compliant',
          'PR.AA-01': 'non_compliant',
          'DE.CM-01': 'compliant',
        });
      }
      expect(onC.results.find((r) => r.refId === 'PR.AA-01')!.observation).toBe('Shared operator account on the HMI');
      // The technician reads the assessment but cannot write it.
      await b.call('sync.now');
      expect((await b.call('assessments.get', { id })).progress.assessed).toBe(4);
      await expect(b.call('assessments.assess', { assessmentId: id, ref: 'GV.OC-03', result: 'compliant' })).rejects.toThrow(
        /not allowed|cannot|Only auditors/i,
      );
    });

    it('the server refuses risks from an auditor, a requester and a technician of another site; requesters pull none', async () => {
      const site = a.rt.store.sqlite.prepare("SELECT id FROM sites WHERE name = 'HQ'").pluck().get() as string;
      const now = Date.now();
      const op = (seq: number): WireOp => ({
        opId: uuidv7(),
        deviceSeq: seq,
        hlc: `${String(now).padStart(15, '0')}:${String(seq).padStart(8, '0')}`,
        schemaVersion: 1,
        scopeId: site,
        createdAt: new Date(now).toISOString(),
        kind: 'create',
        entity: 'risks',
        recordId: uuidv7(),
        payload: { number: 'RSK-0900', title: 'Forged', status: 'identified', matrix_id: matrixId, scope_id: site },
      });
      const send = async (role: PushAuth['role'], sites: string[] | null) => {
        const auth: PushAuth = { userId: uuidv7(), role, sites, deviceId: uuidv7() };
        return (
          await push(server.store, auth, { deviceId: auth.deviceId, clientVersion: 'test', schemaVersion: 1, cursor: 0, ops: [op(1)] }, now)
        ).results[0]!;
      };
      expect(await send('auditor', null)).toMatchObject({ status: 'rejected', reason: 'Your role (auditor) cannot change risks.' });
      expect(await send('requester', null)).toMatchObject({ status: 'rejected', reason: 'Your role (requester) cannot change risks.' });
      expect(await send('technician', ['site-b'])).toMatchObject({ status: 'rejected', reason: `You do not have access to site ${site}.` });
      expect(await send('technician', [site])).toMatchObject({ status: 'applied' });

      const adminToken = await serverLogin(server);
      expect(
        (await serverPost(server, '/auth/users', { username: 'rita', password: 'password123', role: 'requester', sites: null }, adminToken))
          .status,
      ).toBe(200);
      const rita = await serverPost(server, '/auth/login', {
        username: 'rita',
        password: 'password123',
        deviceId: uuidv7(),
        deviceName: 'kiosk',
      });
      const token = (rita.body.value as { accessToken: string }).accessToken;
      const res = await fetch(`${server.url}/sync/pull?cursor=0&limit=100000`, { headers: { authorization: `Bearer ${token}` } });
      const page = (await res.json()) as { value: { changes: { entity: string }[] } };
      const grc = page.value.changes.filter((ch) =>
        [
          'risks',
          'risk_matrices',
          'frameworks',
          'framework_requirements',
          'assessments',
          'requirement_assessments',
          'risk_score_history',
          'risk_vulnerabilities',
          'applied_controls',
        ].includes(ch.entity),
      );
      expect(page.value.changes.length).toBeGreaterThan(0);
      expect(grc).toEqual([]);
    });
  });
