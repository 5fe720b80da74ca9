/**
 * Evidence blobs over real HTTP, on both server stores: the size limits, a corrupted upload refused,
 * an interrupted upload resumed at the server's offset, one stored copy per hash whoever uploads it,
 * and downloads only for people who may read an evidence record naming the file (site and role).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../shared/ids';
import { MAX_BLOB_PUSH_BYTES, MAX_EVIDENCE_FILE_BYTES, type BlobStatus } from '../shared/sync/blobs';
import { addAccount, signIn, type Actor } from './testing/actors';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const PG = process.env.OUTPOST_TEST_PG_URL;
const A = 'site-a';
const B = 'site-b';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Answer {
  status: number;
  value?: BlobStatus;
  error?: { code: string; message: string };
  bytes?: Buffer;
}

async function put(server: TestServer, who: Actor, hash: string, size: number, offset: number, chunk: Uint8Array): Promise<Answer> {
  const res = await fetch(`${server.url}/blobs/${hash}?size=${size}&offset=${offset}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/octet-stream' },
    body: chunk as BodyInit,
  });
  const body = (await res.json()) as { value?: BlobStatus; error?: Answer['error'] };
  return { status: res.status, ...body };
}

async function get(server: TestServer, who: Actor, path: string): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${who.token}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.headers.get('content-type')?.startsWith('application/json'))
    return { status: res.status, ...(JSON.parse(bytes.toString('utf8')) as object) };
  return { status: res.status, bytes };
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`evidence blobs (${variant} store)`, () => {
    let server: TestServer;
    let admin: Actor;
    let audA: Actor;
    let audA2: Actor;
    let techB: Actor;
    let reqA: Actor;

    const account = (username: string, role: Actor['role'], sites: string[] | null) => addAccount(server.url, admin, username, role, sites);

    /** An evidence record in `site` naming the file, pushed by `who`. */
    async function evidenceRecord(who: Actor, site: string, bytes: Uint8Array): Promise<string> {
      const id = uuidv7();
      const payload = {
        record_type: 'finding',
        record_id: uuidv7(),
        file_name: 'photo.jpg',
        media_type: 'image/jpeg',
        size: bytes.length,
        sha256: sha(bytes),
        note: null,
        uploaded_by: who.personId,
        scope_id: site,
      };
      const r = await who.one({ kind: 'create', entity: 'evidence', recordId: id, scopeId: site, payload });
      expect(r.status, r.reason ?? '').toBe('applied');
      return id;
    }

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
      for (const [id, name] of [
        [A, 'Site A'],
        [B, 'Site B'],
      ] as const) {
        expect(
          (await admin.one({ kind: 'create', entity: 'sites', recordId: id, scopeId: 'global', payload: { name, scope_id: 'global' } }))
            .status,
        ).toBe('applied');
      }
      audA = await account('auditor-a', 'auditor', [A]);
      audA2 = await account('auditor-a2', 'auditor', [A]);
      techB = await account('tech-b', 'technician', [B]);
      reqA = await account('req-a', 'requester', [A]);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
    });

    it('an auditor uploads a file in chunks, and a reader of its site downloads the same bytes', async () => {
      const bytes = randomBytes(300_000);
      const h = sha(bytes);
      expect((await put(server, audA, h, bytes.length, 0, bytes.subarray(0, 200_000))).value).toMatchObject({
        stored: false,
        received: 200_000,
      });
      expect((await put(server, audA, h, bytes.length, 200_000, bytes.subarray(200_000))).value).toMatchObject({
        stored: true,
        received: bytes.length,
      });
      // Stored, but no record names it yet: nobody may download it.
      expect((await get(server, audA, `/blobs/${h}`)).status).toBe(403);
      await evidenceRecord(audA, A, bytes);
      const down = await get(server, audA2, `/blobs/${h}`);
      expect(down.status).toBe(200);
      expect(sha(down.bytes!)).toBe(h);
      expect(Buffer.compare(down.bytes!, bytes)).toBe(0);
      // The administrator holds every site.
      expect((await get(server, admin, `/blobs/${h}`)).status).toBe(200);
    });

    it('a reader of another site, or a requester, is refused the download', async () => {
      const bytes = randomBytes(5_000);
      const h = sha(bytes);
      await put(server, audA, h, bytes.length, 0, bytes);
      await evidenceRecord(audA, A, bytes);
      const other = await get(server, techB, `/blobs/${h}`);
      expect(other.status).toBe(403);
      expect(other.error?.message).toMatch(/no evidence record or article you can read/);
      expect(other.bytes).toBeUndefined();
      expect((await get(server, reqA, `/blobs/${h}`)).status).toBe(403);
      // Requesters do not upload evidence either.
      expect((await put(server, reqA, sha(Buffer.from('x')), 1, 0, Buffer.from('x'))).status).toBe(403);
    });

    it('evidence of the whole team (global) is readable by staff and auditors of any site', async () => {
      const bytes = randomBytes(2_000);
      const h = sha(bytes);
      await put(server, audA, h, bytes.length, 0, bytes);
      await evidenceRecord(audA, 'global', bytes);
      expect((await get(server, techB, `/blobs/${h}`)).status).toBe(200);
    });

    it('refuses a corrupted upload with a clear error, and stores nothing', async () => {
      const bytes = randomBytes(10_000);
      const h = sha(bytes);
      const damaged = Buffer.from(bytes);
      damaged[1234] = damaged[1234]! ^ 0xff;
      const r = await put(server, audA, h, damaged.length, 0, damaged);
      expect(r.status).toBe(422);
      expect(r.error?.code).toBe('hash_mismatch');
      expect(r.error?.message).toMatch(/arrived corrupted.*not stored/);
      expect(await server.store.blobSize(h)).toBeNull();
      const st = await get(server, audA, `/blobs/${h}/status`);
      expect(st.value).toMatchObject({ stored: false, received: 0 });
      // The honest bytes are then accepted.
      expect((await put(server, audA, h, bytes.length, 0, bytes)).value?.stored).toBe(true);
    });

    it('resumes an interrupted upload at the offset the server holds, and refuses another offset', async () => {
      const bytes = randomBytes(250_000);
      const h = sha(bytes);
      expect((await put(server, audA, h, bytes.length, 0, bytes.subarray(0, 100_000))).value?.received).toBe(100_000);
      // The connection dropped here; the device asks where to go on from.
      const st = await get(server, audA, `/blobs/${h}/status`);
      expect(st.value).toMatchObject({ stored: false, received: 100_000, size: bytes.length });
      const wrong = await put(server, audA, h, bytes.length, 50_000, bytes.subarray(50_000, 150_000));
      expect(wrong.status).toBe(409);
      expect(wrong.error?.message).toMatch(/holds 100000 bytes.*resume from 100000/);
      expect((await put(server, audA, h, bytes.length, 100_000, bytes.subarray(100_000))).value).toMatchObject({
        stored: true,
        received: bytes.length,
      });
      expect(await server.store.blobSize(h)).toBe(bytes.length);
    });

    it('keeps one copy per hash: a second device sending the same file is told it is stored', async () => {
      const bytes = randomBytes(40_000);
      const h = sha(bytes);
      expect((await put(server, audA, h, bytes.length, 0, bytes)).value?.stored).toBe(true);
      const again = await put(server, audA2, h, bytes.length, 0, bytes.subarray(0, 10));
      expect(again.status).toBe(200);
      expect(again.value).toMatchObject({ stored: true, received: bytes.length });
      expect((await get(server, audA2, `/blobs/${h}/status`)).value?.stored).toBe(true);
      expect(await server.store.readBlob(h)).toEqual(bytes);
    });

    it('refuses a file over the size limit and a request over the per-push limit', async () => {
      const big = await put(server, audA, 'a'.repeat(64), MAX_EVIDENCE_FILE_BYTES + 1, 0, Buffer.from('x'));
      expect(big.status).toBe(413);
      expect(big.error?.message).toMatch(/at most 25\.0 MB/);
      const chunk = Buffer.alloc(MAX_BLOB_PUSH_BYTES + 1, 7);
      const r = await put(server, audA, 'b'.repeat(64), MAX_EVIDENCE_FILE_BYTES, 0, chunk);
      expect(r.status).toBe(413);
      expect(r.error?.message).toMatch(/at most 4\.0 MB/);
      expect(await server.store.blobUpload('b'.repeat(64), audA.deviceId)).toBeNull();
      const bad = await get(server, audA, '/blobs/not-a-hash/status');
      expect(bad.status).toBe(400);
    });
  });
}
