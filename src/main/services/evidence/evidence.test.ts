/**
 * Evidence, findings and evidence packs on one device: files stored by their hash and listed on
 * their record, findings linked to requirements, risks and assets with their follow-up ticket on
 * both sides, and a pack that verifies and names any entry with one byte changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { FIXTURES } from '../assets/test-fixtures';
import { contract, type CallName, type CallParsed } from '../../../shared/api';
import { importLibrary } from '../grc/grc';
import { createRisk } from '../risks/risks';
import { assess, startAssessment } from '../assessments/assessments';
import { createAsset } from '../assets/assets';
import { getTicketDetail } from '../tickets/tickets';
import { attachEvidence, evidenceFile, listEvidence, removeEvidence } from './evidence';
import { createFinding, findingsForTicket, linkFinding, listFindings, openTicketForFinding, updateFinding } from '../findings/findings';
import { exportPack, PACK_TUNING } from './pack';
import { MANIFEST, verifyPackBytes } from './pack-verify';
import { blobStoreOf, sha256Hex } from './blobs';
import { AppError } from '../../../shared/result';

const parse = <N extends CallName>(name: N, input: unknown) => contract[name].input.parse(input) as CallParsed<N>;
const NIST = fs.readFileSync(path.join(FIXTURES, 'grc', 'nist-csf-2.0.yaml'), 'utf8');

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

function setupAssessment(auditorCtx = w.ctx(w.admin)) {
  const fw = importLibrary(w.ctx(w.admin), NIST);
  const a = startAssessment(auditorCtx, parse('assessments.start', { frameworkId: fw.id, siteId: w.siteId }));
  return { fw, a };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('evidence files', () => {
  it('stores a file by its SHA-256 once, lists it on its requirement result and gives the same bytes back', () => {
    const auditor = w.user('auditor');
    const ctx = w.ctx(auditor);
    const { a } = setupAssessment();
    assess(ctx, parse('assessments.assess', { assessmentId: a.id, ref: 'GV.OC-01', result: 'partially_compliant' }));
    const photo = Buffer.from('a photo of the server room door, unlocked');
    const e = attachEvidence(
      ctx,
      parse('evidence.attach', {
        recordType: 'requirement_assessment',
        assessmentId: a.id,
        ref: 'GV.OC-01',
        fileName: 'door.jpg',
        mediaType: 'image/jpeg',
        content: b64(photo),
      }),
    );
    expect(e).toMatchObject({
      fileName: 'door.jpg',
      size: photo.length,
      sha256: sha256Hex(photo),
      uploadedBy: auditor.id,
      available: true,
    });
    // The same file attached twice is one blob on disk.
    attachEvidence(
      ctx,
      parse('evidence.attach', {
        recordType: 'requirement_assessment',
        assessmentId: a.id,
        ref: 'GV.OC-01',
        fileName: 'door-again.jpg',
        content: b64(photo),
      }),
    );
    const blobs = blobStoreOf(w.store);
    expect(fs.readdirSync(path.join(blobs.dir, e.sha256.slice(0, 2)))).toEqual([e.sha256]);
    const listed = listEvidence(
      ctx,
      parse('evidence.list', { recordType: 'requirement_assessment', assessmentId: a.id, ref: 'GV.OC-01' }),
    ).items;
    expect(listed.map((x) => x.fileName)).toEqual(['door.jpg', 'door-again.jpg']);
    expect(Buffer.from(evidenceFile(ctx, e.id).content, 'base64')).toEqual(photo);
    // The record went through the primitive: an op and an audit event.
    expect(w.store.sqlite.prepare("SELECT count(*) FROM pending_ops WHERE entity = 'evidence'").pluck().get()).toBe(2);
    removeEvidence(ctx, e.id);
    expect(
      listEvidence(ctx, parse('evidence.list', { recordType: 'requirement_assessment', assessmentId: a.id, ref: 'GV.OC-01' })).items,
    ).toHaveLength(1);
  });

  it('says clearly when the record is missing, the requirement is not assessed yet, or the file is not here yet', () => {
    const ctx = w.ctx(w.admin);
    const { a } = setupAssessment();
    expect(() =>
      attachEvidence(
        ctx,
        parse('evidence.attach', {
          recordType: 'requirement_assessment',
          assessmentId: a.id,
          ref: 'GV.OC-02',
          fileName: 'x.txt',
          content: b64('x'),
        }),
      ),
    ).toThrow(/Assess requirement GV.OC-02 first/);
    expect(() =>
      attachEvidence(
        ctx,
        parse('evidence.attach', {
          recordType: 'finding',
          recordId: '0190aaaa-0000-7000-8000-000000000000',
          fileName: 'x.txt',
          content: b64('x'),
        }),
      ),
    ).toThrow(/No such finding/);
    expect(() => parse('evidence.attach', { recordType: 'risk', fileName: 'x', content: '' })).toThrow(/Name the record/);
    const f = createFinding(ctx, parse('findings.create', { kind: 'observation', title: 'Door', severity: 'low' }));
    const e = attachEvidence(
      ctx,
      parse('evidence.attach', { recordType: 'finding', recordId: f.id, fileName: 'x.txt', content: b64('bytes') }),
    );
    fs.rmSync(path.join(blobStoreOf(w.store).dir, e.sha256.slice(0, 2), e.sha256));
    expect(listEvidence(ctx, parse('evidence.list', { recordType: 'finding', recordId: f.id })).items[0]!.available).toBe(false);
    expect(() => evidenceFile(ctx, e.id)).toThrow(/not yet downloaded/);
  });

  it('keeps requesters out', () => {
    const req = w.user('requester');
    const f = createFinding(w.ctx(w.admin), parse('findings.create', { kind: 'observation', title: 'Door', severity: 'low' }));
    expect(() =>
      attachEvidence(w.ctx(req), parse('evidence.attach', { recordType: 'finding', recordId: f.id, fileName: 'x.txt', content: b64('x') })),
    ).toThrow(AppError);
    expect(() => listFindings(w.ctx(req))).toThrow(/Requesters/);
  });
});

describe('findings', () => {
  it('an auditor raises a finding linked to a requirement, a risk and an asset, and opens its ticket: linked both ways', () => {
    const auditor = w.user('auditor');
    const actx = w.ctx(auditor);
    const { a } = setupAssessment();
    const risk = createRisk(
      w.ctx(w.admin),
      parse('risks.create', { title: 'Unlocked server room', inherent: { likelihood: 3, impact: 4 } }),
    );
    const asset = createAsset(
      w.ctx(w.admin),
      parse('assets.create', { tag: 'NET-001', name: 'Core switch', type: 'network', siteId: w.siteId }),
    );
    const urn = w.store.sqlite.prepare("SELECT urn FROM framework_requirements WHERE ref_id = 'GV.OC-01'").pluck().get() as string;
    const f = createFinding(
      actx,
      parse('findings.create', {
        kind: 'non_conformity',
        title: 'Server room door left unlocked',
        description: 'Found open at 09:10 with nobody inside.',
        severity: 'high',
        dueDate: '2026-04-01',
        assessmentId: a.id,
        siteId: w.siteId,
        links: [
          { kind: 'requirement', targetId: urn },
          { kind: 'risk', targetId: risk.id },
          { kind: 'asset', targetId: asset.id },
        ],
      }),
    );
    expect(f).toMatchObject({ status: 'open', raisedBy: auditor.id, siteId: w.siteId, ticketId: null });
    expect(f.links.map((l) => [l.kind, l.label])).toEqual([
      ['asset', `${asset.tag} Core switch`],
      ['requirement', expect.stringContaining('GV.OC-01')],
      ['risk', `${risk.number} Unlocked server room`],
    ]);
    expect(listFindings(actx, { status: 'open', link: { kind: 'asset', targetId: asset.id } }).items.map((x) => x.id)).toEqual([f.id]);

    const withTicket = openTicketForFinding(actx, f.id);
    expect(withTicket.ticketId).toBeTruthy();
    expect(withTicket.ticketNumber).toMatch(/^INC\d{7}$/);
    const ticket = getTicketDetail(w.ctx(w.admin), withTicket.ticketId!);
    expect(ticket).toMatchObject({ title: 'Finding: Server room door left unlocked', status: 'new', impact: 1, linkedAssetId: asset.id });
    expect(ticket.description).toContain('Found open at 09:10');
    expect(ticket.description).toContain(`${risk.number} Unlocked server room`);
    // The ticket's side of the link.
    expect(findingsForTicket(w.ctx(w.admin), ticket.id).items.map((x) => x.id)).toEqual([f.id]);
    expect(() => openTicketForFinding(actx, f.id)).toThrow(/already has its follow-up ticket/);
    // The finding's update and ticket were written as ops the server will judge.
    const ops = w.store.sqlite
      .prepare("SELECT entity, kind FROM pending_ops WHERE entity IN ('tickets', 'findings', 'finding_links') ORDER BY device_seq")
      .all();
    expect(ops).toEqual([
      { entity: 'findings', kind: 'create' },
      { entity: 'finding_links', kind: 'setAdd' },
      { entity: 'finding_links', kind: 'setAdd' },
      { entity: 'finding_links', kind: 'setAdd' },
      { entity: 'tickets', kind: 'create' },
      { entity: 'findings', kind: 'setFields' },
    ]);
  });

  it('updates, unlinks and reports a finding past its due date as overdue', () => {
    const ctx = w.ctx(w.admin);
    const f = createFinding(
      ctx,
      parse('findings.create', {
        kind: 'observation',
        title: 'Labels fading',
        severity: 'low',
        dueDate: '2026-01-01',
        links: [{ kind: 'asset', targetId: 'x' }],
      }),
    );
    expect(f.overdue).toBe(true);
    expect(f.siteId).toBe('global');
    const u = updateFinding(ctx, f.id, { status: 'closed', severity: 'medium' });
    expect(u).toMatchObject({ status: 'closed', severity: 'medium', overdue: false });
    expect(linkFinding(ctx, f.id, { kind: 'asset', targetId: 'x' }, false).links).toEqual([]);
    expect(listFindings(ctx, { status: 'open' }).items).toEqual([]);
  });
});

describe('evidence packs', () => {
  function makePack() {
    const ctx = w.ctx(w.admin);
    const { a } = setupAssessment();
    for (const ref of ['GV.OC-01', 'GV.OC-02', 'GV.OC-03'])
      assess(
        ctx,
        parse('assessments.assess', {
          assessmentId: a.id,
          ref,
          result: ref === 'GV.OC-03' ? 'non_compliant' : 'compliant',
          observation: `Checked ${ref}`,
        }),
      );
    attachEvidence(
      ctx,
      parse('evidence.attach', {
        recordType: 'requirement_assessment',
        assessmentId: a.id,
        ref: 'GV.OC-01',
        fileName: 'policy.pdf',
        mediaType: 'application/pdf',
        content: b64('%PDF-1.4 policy'),
      }),
    );
    attachEvidence(
      ctx,
      parse('evidence.attach', {
        recordType: 'requirement_assessment',
        assessmentId: a.id,
        ref: 'GV.OC-03',
        fileName: '../../etc/photo.jpg',
        content: b64('jpeg bytes'),
      }),
    );
    const f = createFinding(
      ctx,
      parse('findings.create', { kind: 'non_conformity', title: 'No owner for GV.OC-03', severity: 'medium', assessmentId: a.id }),
    );
    attachEvidence(
      ctx,
      parse('evidence.attach', { recordType: 'finding', recordId: f.id, fileName: 'notes.txt', content: b64('interview notes') }),
    );
    return { a, ctx };
  }

  it('exports an assessment as one zip with the report, CSVs, evidence files and a manifest that verifies', async () => {
    const { a, ctx } = makePack();
    const pack = await exportPack(ctx, { kind: 'assessment', id: a.id });
    expect(pack.mime).toBe('application/zip');
    expect(pack.files).toBe(3);
    const zip = Buffer.from(pack.content, 'base64');
    const entries = unzipSync(zip);
    const names = Object.keys(entries).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'manifest.json',
        'report.pdf',
        'records/requirement_assessments.csv',
        'records/findings.csv',
        'records/evidence.csv',
        'records/assessments.csv',
      ]),
    );
    // File names from users never make folders in the zip.
    expect(names.filter((n) => n.startsWith('evidence/'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('evidence/')).every((n) => n.split('/').length === 2)).toBe(true);
    const manifest = JSON.parse(new TextDecoder().decode(entries[MANIFEST]!)) as { chain: { head: string }; files: { path: string }[] };
    expect(manifest.chain.head).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.files.map((f) => f.path).sort()).toEqual(names.filter((n) => n !== MANIFEST));
    const csv = new TextDecoder().decode(entries['records/requirement_assessments.csv']!);
    expect(csv).toContain('GV.OC-03');
    expect(csv).toContain('non_compliant');
    expect(new TextDecoder().decode(entries['report.pdf']!.subarray(0, 5))).toBe('%PDF-');
    const check = verifyPackBytes(zip);
    expect(check).toMatchObject({ ok: true, changed: [], missing: [], unexpected: [], chainHead: manifest.chain.head });
    // The export is in the audit trail with the manifest's hash.
    const ev = w.store.sqlite.prepare("SELECT after FROM audit_events WHERE record_type = 'evidence_pack'").pluck().get() as string;
    expect(JSON.parse(ev).manifestSha256).toBe(sha256Hex(entries[MANIFEST]!));
  });

  it('gives the event loop back while it builds a pack: other calls write meanwhile, and the pack still verifies', async () => {
    const { a, ctx } = makePack();
    const before = PACK_TUNING.stepMs;
    PACK_TUNING.stepMs = 0;
    try {
      let writes = 0;
      let done = false;
      const refs = ['ID.AM-01', 'ID.AM-02', 'ID.AM-03', 'ID.AM-04', 'ID.AM-05'];
      // Another person assesses requirements while the pack is built (writes between its steps).
      const other = (async () => {
        while (!done) {
          await new Promise<void>((r) => setImmediate(r));
          if (done) break;
          assess(ctx, parse('assessments.assess', { assessmentId: a.id, ref: refs[writes % refs.length]!, result: 'compliant', observation: `Seen ${writes}` }));
          writes++;
        }
      })();
      const pack = await exportPack(ctx, { kind: 'assessment', id: a.id });
      done = true;
      await other;
      expect(writes).toBeGreaterThan(0);
      const zip = Buffer.from(pack.content, 'base64');
      expect(verifyPackBytes(zip)).toMatchObject({ ok: true, changed: [], missing: [], unexpected: [] });
      expect(pack.files).toBe(3);
    } finally {
      PACK_TUNING.stepMs = before;
    }
  });

  it('names the entry when one byte of any entry is changed, and an entry added or removed', async () => {
    const { a, ctx } = makePack();
    const zip = Buffer.from((await exportPack(ctx, { kind: 'assessment', id: a.id })).content, 'base64');
    const entries = unzipSync(zip);
    for (const name of Object.keys(entries).filter((n) => n !== MANIFEST)) {
      const tampered = { ...entries, [name]: Uint8Array.from(entries[name]!) };
      const at = Math.floor(tampered[name]!.length / 2);
      tampered[name]![at] = tampered[name]![at]! ^ 0x01;
      const check = verifyPackBytes(zipSync(tampered));
      expect(check.ok, name).toBe(false);
      expect(check.changed).toEqual([name]);
      expect(check.summary).toContain(name);
    }
    const { ['report.pdf']: _gone, ...without } = entries;
    expect(verifyPackBytes(zipSync(without)).missing).toEqual(['report.pdf']);
    expect(verifyPackBytes(zipSync({ ...entries, 'evidence/extra.txt': new TextEncoder().encode('planted') })).unexpected).toEqual([
      'evidence/extra.txt',
    ]);
    const manifest = Uint8Array.from(entries[MANIFEST]!);
    manifest[5] = 0x7b;
    expect(verifyPackBytes(zipSync({ ...entries, [MANIFEST]: manifest })).summary).toMatch(/manifest/);
    expect(verifyPackBytes(Buffer.from('not a zip')).summary).toMatch(/not a readable zip/);
  });

  it('exports the risk register with its heat maps, and lists evidence this device does not hold', async () => {
    const ctx = w.ctx(w.admin);
    const risk = createRisk(ctx, parse('risks.create', { title: 'Flooded basement', inherent: { likelihood: 2, impact: 5 } }));
    const e = attachEvidence(
      ctx,
      parse('evidence.attach', { recordType: 'risk', recordId: risk.id, fileName: 'basement.jpg', content: b64('water') }),
    );
    fs.rmSync(path.join(blobStoreOf(w.store).dir, e.sha256.slice(0, 2), e.sha256));
    const pack = await exportPack(ctx, { kind: 'register' });
    expect(pack.missingEvidence).toBe(1);
    const entries = unzipSync(Buffer.from(pack.content, 'base64'));
    expect(new TextDecoder().decode(entries['records/risks.csv']!)).toContain('Flooded basement');
    const manifest = JSON.parse(new TextDecoder().decode(entries[MANIFEST]!)) as { missingEvidence: { fileName: string }[] };
    expect(manifest.missingEvidence.map((m) => m.fileName)).toEqual(['basement.jpg']);
    expect(verifyPackBytes(Buffer.from(pack.content, 'base64')).ok).toBe(true);
  });
});
