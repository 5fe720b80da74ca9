/** `npm run verify-pack -- FILE.zip` on a real pack: intact, then with one byte of one entry changed. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { contract } from '../../../shared/api';
import { createFinding } from '../findings/findings';
import { attachEvidence } from './evidence';
import { exportPack } from './pack';

let w: World;
let dir: string;
beforeEach(() => {
  w = makeWorld();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-pack-'));
});
afterEach(() => {
  w.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function verify(file: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', 'scripts/verify-pack.ts', file], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: err.stdout + err.stderr };
  }
}

describe('npm run verify-pack', () => {
  it('confirms an intact pack and names the file changed by one byte', async () => {
    const ctx = w.ctx(w.admin);
    const f = createFinding(ctx, contract['findings.create'].input.parse({ kind: 'observation', title: 'Cabinet unlocked', severity: 'medium' }));
    attachEvidence(ctx, contract['evidence.attach'].input.parse({ recordType: 'finding', recordId: f.id, fileName: 'cabinet.jpg', content: Buffer.from('jpeg bytes here').toString('base64') }));
    const zip = Buffer.from((await exportPack(ctx, { kind: 'register' })).content, 'base64');
    const good = path.join(dir, 'pack.zip');
    fs.writeFileSync(good, zip);
    const ok = verify(good);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/All \d+ files match the manifest/);
    expect(ok.out).toMatch(/manifest\.json SHA-256: [0-9a-f]{64}/);

    const entries = unzipSync(zip);
    const name = Object.keys(entries).find((n) => n.startsWith('evidence/'))!;
    const changed = Uint8Array.from(entries[name]!);
    changed[3] = changed[3]! ^ 0x20;
    const bad = path.join(dir, 'tampered.zip');
    fs.writeFileSync(bad, zipSync({ ...entries, [name]: changed }));
    const r = verify(bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`CHANGED  ${name}`);
    expect(verify(path.join(dir, 'none.zip')).code).toBe(2);
  });
});
