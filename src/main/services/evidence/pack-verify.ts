/**
 * Checking an evidence pack against its own manifest: every entry the manifest lists must be in the
 * zip with the same SHA-256, and nothing else may be; a changed, missing or added entry is named.
 * Used by the in-app check (evidence.verifyPack) and `npm run verify-pack -- FILE.zip`.
 */
import { createHash } from 'node:crypto';
import { unzipWithin, ZipLimitError } from '../core/unzip';
import { z } from 'zod';
import type { PackCheck } from '../../../shared/api/evidence';

export const PACK_FORMAT = 'outpost-evidence-pack/1';
export const MANIFEST = 'manifest.json';
/** An evidence file is at most 25 MB and a pack's report and CSVs far less than this; a pack declaring more is refused unread. */
export const PACK_MAX_ENTRY_BYTES = 512 * 1024 * 1024;
export const PACK_MAX_TOTAL_BYTES = 3 * 1024 * 1024 * 1024;

export const packManifest = z.object({
  format: z.literal(PACK_FORMAT),
  kind: z.enum(['assessment', 'register']),
  title: z.string(),
  exportedAt: z.string(),
  exportedBy: z.string().nullable(),
  chain: z.object({ head: z.string().nullable(), length: z.number().int().min(0), valid: z.boolean() }),
  files: z.array(z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().min(0) })),
  /** Evidence records whose file this device did not hold when the pack was made (listed, not packed). */
  missingEvidence: z.array(z.object({ id: z.string(), fileName: z.string(), sha256: z.string() })).default([]),
});
export type PackManifest = z.infer<typeof packManifest>;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function verifyPackBytes(zip: Uint8Array): PackCheck {
  const fail = (summary: string): PackCheck => ({
    ok: false,
    checked: 0,
    changed: [],
    missing: [],
    unexpected: [],
    chainHead: null,
    manifestSha256: null,
    summary,
  });
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipWithin(zip, { maxEntryBytes: PACK_MAX_ENTRY_BYTES, maxTotalBytes: PACK_MAX_TOTAL_BYTES });
  } catch (e) {
    if (e instanceof ZipLimitError) return fail(e.message);
    return fail(
      `This is not a readable zip file (${e instanceof Error ? e.message : String(e)}); it may be damaged or not an Outpost evidence pack.`,
    );
  }
  const raw = entries[MANIFEST];
  if (!raw) return fail(`The zip has no ${MANIFEST}: it is not an Outpost evidence pack, or its manifest was removed.`);
  let manifest: PackManifest;
  try {
    const parsed = packManifest.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)));
    if (!parsed.success)
      return fail(
        `${MANIFEST} is not an Outpost pack manifest (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}); it was changed or is not from Outpost.`,
      );
    manifest = parsed.data;
  } catch {
    return fail(`${MANIFEST} is not valid JSON: it was changed after export.`);
  }
  const changed: string[] = [];
  const missing: string[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const bytes = entries[f.path];
    if (!bytes) missing.push(f.path);
    else if (bytes.length !== f.size || sha(bytes) !== f.sha256) changed.push(f.path);
  }
  const unexpected = Object.keys(entries).filter((p) => p !== MANIFEST && !listed.has(p) && !p.endsWith('/'));
  const ok = !changed.length && !missing.length && !unexpected.length;
  const parts = [
    changed.length ? `changed since export: ${changed.join(', ')}` : null,
    missing.length ? `missing: ${missing.join(', ')}` : null,
    unexpected.length ? `added after export: ${unexpected.join(', ')}` : null,
  ].filter(Boolean);
  return {
    ok,
    checked: manifest.files.length,
    changed,
    missing,
    unexpected,
    chainHead: manifest.chain.head,
    manifestSha256: sha(raw),
    summary: ok
      ? `All ${manifest.files.length} files match the manifest (exported ${manifest.exportedAt}, audit-chain head ${manifest.chain.head ?? 'none'}).`
      : `The pack was changed: ${parts.join('; ')}.`,
  };
}
