/**
 * An auditor's evidence and findings over the real browser host: evidence attached to a
 * requirement's result and removed again, findings listed, changed and linked, and an evidence pack
 * exported and verified — intact, then with one file changed, which the check names.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import { FIXTURES } from '../assets/test-fixtures';

let t: TestHost;
const tokens: Record<string, string> = {};
const post = <T = Record<string, unknown>>(name: string, input: unknown, token?: string) => t.post<T>(name, input, token);
const ok = <T = Record<string, unknown>>(name: string, input: unknown, token?: string) => t.ok<T>(name, input, token);
const lib = (f: string) => fs.readFileSync(path.join(FIXTURES, 'grc', f), 'utf8');

beforeAll(async () => {
  t = await startTestHost({ people: { auditor: 'auditor', requester: 'requester' } });
  Object.assign(tokens, t.tokens);
});
afterAll(async () => {
  await t?.close();
});

describe('evidence and findings over HTTP', () => {
  it('attaches and removes evidence, works a finding, and exports a pack that verifies until a byte changes', async () => {
    const fw = await ok<{ id: string }>('grc.importLibrary', { content: lib('nist-csf-2.0.yaml') }, tokens.admin);
    const assessment = await ok<{ id: string }>('assessments.start', { frameworkId: fw.id }, tokens.auditor);
    await ok(
      'assessments.assess',
      { assessmentId: assessment.id, ref: 'ID.AM-01', result: 'partially_compliant', observation: 'PLCs missing' },
      tokens.auditor,
    );

    const photo = Buffer.from('photo of the unlabelled PLC cabinet');
    const where = { recordType: 'requirement_assessment', assessmentId: assessment.id, ref: 'ID.AM-01' };
    const kept = await ok<{ id: string; sha256: string }>(
      'evidence.attach',
      { ...where, fileName: 'cabinet.jpg', mediaType: 'image/jpeg', content: photo.toString('base64') },
      tokens.auditor,
    );
    const stray = await ok<{ id: string }>(
      'evidence.attach',
      { ...where, fileName: 'wrong.txt', mediaType: 'text/plain', content: Buffer.from('not this').toString('base64') },
      tokens.auditor,
    );
    expect(await ok('evidence.remove', { id: stray.id }, tokens.auditor)).toEqual({ removed: true });
    const listed = await ok<{ items: { id: string; fileName: string }[] }>('evidence.list', where, tokens.auditor);
    expect(listed.items.map((e) => [e.id, e.fileName])).toEqual([[kept.id, 'cabinet.jpg']]);

    const finding = await ok<{ id: string }>(
      'findings.create',
      { kind: 'non_conformity', title: 'Asset inventory misses the PLCs', severity: 'high', assessmentId: assessment.id },
      tokens.auditor,
    );
    const changed = await ok<{ severity: string; status: string; dueDate: string | null }>(
      'findings.update',
      { id: finding.id, fields: { severity: 'critical', status: 'in_progress', dueDate: '2027-01-31' } },
      tokens.auditor,
    );
    expect(changed).toMatchObject({ severity: 'critical', status: 'in_progress', dueDate: '2027-01-31' });
    const nodes = (await ok<{ nodes: { urn: string; refId: string | null }[] }>('grc.framework', { id: fw.id }, tokens.auditor)).nodes;
    const urn = nodes.find((n) => n.refId === 'ID.AM-01')!.urn;
    const linked = await ok<{ links: { kind: string; targetId: string }[] }>(
      'findings.link',
      { id: finding.id, link: { kind: 'requirement', targetId: urn } },
      tokens.auditor,
    );
    expect(linked.links).toEqual([expect.objectContaining({ kind: 'requirement', targetId: urn })]);
    const open = await ok<{ items: { id: string }[] }>(
      'findings.list',
      { status: 'open', link: { kind: 'requirement', targetId: urn } },
      tokens.auditor,
    );
    expect(open.items.map((f) => f.id)).toEqual([finding.id]);

    const pack = await ok<{ filename: string; content: string; encoding: string; files: number; chainHead: string | null }>(
      'evidence.exportPack',
      { kind: 'assessment', id: assessment.id },
      tokens.auditor,
    );
    expect(pack.encoding).toBe('base64');
    expect(pack.files).toBe(1);
    const entries = unzipSync(Buffer.from(pack.content, 'base64'));
    const evidenceName = Object.keys(entries).find((n) => n.endsWith('cabinet.jpg'))!;
    expect(Buffer.from(entries[evidenceName]!).equals(photo)).toBe(true);
    const intact = await ok<{ ok: boolean; changed: string[]; chainHead: string | null }>(
      'evidence.verifyPack',
      { content: pack.content },
      tokens.auditor,
    );
    expect(intact).toMatchObject({ ok: true, changed: [], chainHead: pack.chainHead });

    const bytes = entries[evidenceName]!;
    bytes[0] = bytes[0]! ^ 0xff;
    const tampered = Buffer.from(zipSync(entries)).toString('base64');
    const check = await ok<{ ok: boolean; changed: string[] }>('evidence.verifyPack', { content: tampered }, tokens.auditor);
    expect(check).toMatchObject({ ok: false, changed: [evidenceName] });

    // Requesters see none of it.
    expect((await post('findings.list', {}, tokens.requester)).status).toBe(403);
    expect((await post('evidence.exportPack', { kind: 'register' }, tokens.requester)).status).toBe(403);
  });
});
