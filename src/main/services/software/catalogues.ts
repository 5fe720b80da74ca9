/**
 * Offline vulnerability and lifecycle catalogues: endoflife.date product files and the CISA KEV
 * JSON, imported from files the user picks, and the matching of installed software against them.
 */
import type Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { getMeta, setMeta } from '../core/meta';
import { appendRecord } from '../core/record';
import { AppError } from '../../../shared/result';
import type { CatalogueStatus, EolExposure, KevAssessment, KevExposure } from '../../../shared/api/software';
import { uuidv7 } from '../../../shared/ids';
import { INACTIVE_STATUSES } from '../../../shared/assets/rules';

/** lower case, punctuation to spaces: "Microsoft .NET Framework" → "microsoft net framework". */
export function norm(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------- endoflife.date

interface EolRelease {
  cycle: string;
  releaseDate: string | null;
  eolDate: string | null;
  eolFlag: boolean;
  latest: string | null;
}

export interface EolProductFile {
  slug: string;
  title: string;
  category: string | null;
  matchNames: string[];
  releases: EolRelease[];
}

const dateOrNull = (v: unknown): string | null => {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.trim())) return v.trim();
  return null;
};

/** Parses one endoflife.date product file (Markdown with YAML front matter). */
export function parseEolFile(name: string, content: string): EolProductFile {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/.exec(content);
  if (!m) throw new Error('No YAML front matter (the file must start with ---).');
  let fm: unknown;
  try {
    fm = parseYaml(m[1]!);
  } catch (e) {
    throw new Error(`The front matter is not valid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (!fm || typeof fm !== 'object') throw new Error('The front matter is empty.');
  const o = fm as Record<string, unknown>;
  const title = typeof o.title === 'string' ? o.title.trim() : '';
  if (!title) throw new Error('The front matter has no title.');
  if (!Array.isArray(o.releases)) throw new Error('The front matter has no releases list.');
  const slug = name.replace(/^.*[\\/]/, '').replace(/\.md$/i, '').toLowerCase();
  const names = new Set<string>([norm(title), norm(slug.replace(/-/g, ' '))]);
  for (const id of Array.isArray(o.identifiers) ? o.identifiers : []) {
    if (!id || typeof id !== 'object') continue;
    const rec = id as Record<string, unknown>;
    if (typeof rec.purl === 'string') {
      const p = /^pkg:[^/]+\/(?:[^/]+\/)*([^@?#/]+)/.exec(rec.purl);
      if (p) names.add(norm(decodeURIComponent(p[1]!)));
    }
    if (typeof rec.cpe === 'string') {
      const parts = rec.cpe.replace(/^cpe:2\.3:/, 'cpe:/').split(':');
      if (parts[3]) names.add(norm(parts[3]));
    }
    if (typeof rec.repology === 'string') names.add(norm(rec.repology));
  }
  const aliases = Array.isArray(o.alternate_urls) ? o.alternate_urls : [];
  for (const a of aliases) if (typeof a === 'string') names.add(norm(a.replace(/^\//, '').replace(/-/g, ' ')));
  names.delete('');
  const releases: EolRelease[] = [];
  for (const r of o.releases) {
    if (!r || typeof r !== 'object') continue;
    const rec = r as Record<string, unknown>;
    if (rec.releaseCycle === undefined || rec.releaseCycle === null) continue;
    const eol = rec.eol;
    releases.push({
      cycle: String(rec.releaseCycle),
      releaseDate: dateOrNull(rec.releaseDate),
      eolDate: dateOrNull(eol),
      eolFlag: eol === true,
      latest: rec.latest === undefined || rec.latest === null ? null : String(rec.latest),
    });
  }
  return { slug, title, category: typeof o.category === 'string' ? o.category : null, matchNames: [...names], releases };
}

export function importEol(ctx: Ctx, files: { name: string; content: string }[]): { products: number; releases: number; errors: { file: string; message: string }[] } {
  requireActor(ctx);
  const parsed: EolProductFile[] = [];
  const errors: { file: string; message: string }[] = [];
  for (const f of files) {
    try {
      parsed.push(parseEolFile(f.name, f.content));
    } catch (e) {
      errors.push({ file: f.name, message: (e as Error).message });
    }
  }
  // Like the CSV importers: any bad file and nothing is stored.
  if (errors.length) return { products: 0, releases: 0, errors };
  const sqlite = ctx.store.sqlite;
  let releases = 0;
  write(ctx, (w) => {
    const delRel = sqlite.prepare('DELETE FROM eol_releases WHERE product = ?');
    const upProd = sqlite.prepare(
      `INSERT INTO eol_products (slug, title, category, match_names, imported_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(slug) DO UPDATE SET title = excluded.title, category = excluded.category, match_names = excluded.match_names, imported_at = excluded.imported_at`,
    );
    const insRel = sqlite.prepare('INSERT OR REPLACE INTO eol_releases (product, cycle, release_date, eol_date, eol_flag, latest) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of parsed) {
      upProd.run(p.slug, p.title, p.category, JSON.stringify(p.matchNames), w.now);
      delRel.run(p.slug);
      for (const r of p.releases) {
        insRel.run(p.slug, r.cycle, r.releaseDate, r.eolDate, r.eolFlag ? 1 : 0, r.latest);
        releases++;
      }
    }
    setMeta(sqlite, 'eol_imported_at', w.now);
    w.audit('catalogue', 'endoflife.date', null, { products: parsed.length, releases });
  });
  return { products: parsed.length, releases, errors };
}

// ---------------------------------------------------------------- CISA KEV

const kevEntry = z.object({
  cveID: z.string().regex(/^CVE-\d{4}-\d{4,}$/, { message: 'cveID must look like CVE-2024-12345.' }),
  vendorProject: z.string().min(1),
  product: z.string().min(1),
  vulnerabilityName: z.string().optional().nullable(),
  dateAdded: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'dateAdded must be a date like 2024-01-31.' }),
  shortDescription: z.string().optional().nullable(),
  requiredAction: z.string().optional().nullable(),
  dueDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .nullable(),
  knownRansomwareCampaignUse: z.string().optional().nullable(),
});
const kevFile = z.object({
  catalogVersion: z.string().optional(),
  vulnerabilities: z.array(z.unknown()).min(1, { message: 'The catalogue lists no vulnerabilities.' }),
});

export function importKev(ctx: Ctx, content: string): { entries: number; catalogVersion: string | null } {
  requireActor(ctx);
  let data: unknown;
  try {
    data = JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new AppError('invalid_input', `The file is not valid JSON: ${(e as Error).message}`, [{ path: ['content'], message: 'Not JSON.' }]);
  }
  const file = kevFile.safeParse(data);
  if (!file.success) {
    throw new AppError('invalid_input', 'This is not the CISA KEV catalogue (known_exploited_vulnerabilities.json): it needs a vulnerabilities list.', [
      { path: ['content'], message: file.error.issues[0]?.message ?? 'Wrong shape.' },
    ]);
  }
  const entries: z.infer<typeof kevEntry>[] = [];
  const issues: { path: (string | number)[]; message: string }[] = [];
  file.data.vulnerabilities.forEach((v, i) => {
    const r = kevEntry.safeParse(v);
    if (r.success) entries.push(r.data);
    else issues.push({ path: ['vulnerabilities', i, ...r.error.issues[0]!.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: r.error.issues[0]!.message });
  });
  if (issues.length) throw new AppError('invalid_input', `${issues.length} catalogue entries are not valid; nothing was imported. First: entry ${String(issues[0]!.path[1])}: ${issues[0]!.message}`, issues.slice(0, 50));
  const sqlite = ctx.store.sqlite;
  write(ctx, (w) => {
    sqlite.prepare('DELETE FROM kev_entries').run();
    const ins = sqlite.prepare(
      `INSERT OR REPLACE INTO kev_entries (cve_id, vendor_project, product, vendor_key, product_key, vulnerability_name, date_added, due_date, required_action, known_ransomware, short_description)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const e of entries) {
      ins.run(e.cveID, e.vendorProject, e.product, norm(e.vendorProject), norm(e.product), e.vulnerabilityName ?? null, e.dateAdded, e.dueDate ?? null, e.requiredAction ?? null, e.knownRansomwareCampaignUse === 'Known' ? 1 : 0, e.shortDescription ?? null);
    }
    setMeta(sqlite, 'kev_imported_at', w.now);
    setMeta(sqlite, 'kev_version', file.data.catalogVersion ?? '');
    w.audit('catalogue', 'cisa-kev', null, { entries: entries.length, catalogVersion: file.data.catalogVersion ?? null });
  });
  return { entries: entries.length, catalogVersion: file.data.catalogVersion ?? null };
}

export function catalogueStatus(ctx: Ctx): CatalogueStatus {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const n = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
  return {
    eolProducts: n('SELECT count(*) FROM eol_products'),
    eolReleases: n('SELECT count(*) FROM eol_releases'),
    eolImportedAt: getMeta(sqlite, 'eol_imported_at'),
    kevEntries: n('SELECT count(*) FROM kev_entries'),
    kevVersion: getMeta(sqlite, 'kev_version') || null,
    kevImportedAt: getMeta(sqlite, 'kev_imported_at'),
  };
}

// ---------------------------------------------------------------- matching

/** A distinct piece of software seen in the estate (or an operating system from inventory). */
export interface Title {
  name: string;
  vendor: string | null;
  version: string | null;
}

/** Contiguous word runs of a name (up to 5 words), for phrase lookups. */
function phrases(n: string): string[] {
  const w = n.split(' ').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) for (let j = i + 1; j <= Math.min(w.length, i + 5); j++) out.push(w.slice(i, j).join(' '));
  return out;
}

/** Strips an rpm epoch ("1:2.3.4") and a leading "v". */
function cleanVersion(v: string): string {
  return v.trim().replace(/^\d+:/, '').replace(/^v(?=\d)/i, '');
}

/** The release whose cycle the version belongs to: "1.29.8-1.fc31" is in cycle "1.29"; the longest cycle wins. */
export function cycleFor(version: string, cycles: string[]): string | null {
  const v = cleanVersion(version).toLowerCase();
  let best: string | null = null;
  for (const c of cycles) {
    const k = c.toLowerCase();
    if (v === k || (v.startsWith(k) && /^[.\-+_ ~]/.test(v.slice(k.length)))) {
      if (!best || k.length > best.length) best = c;
    }
  }
  return best;
}

export interface EolMatch {
  product: string;
  title: string;
  cycle: string;
  eolDate: string | null;
  eolFlag: boolean;
  latest: string | null;
}

export class EolIndex {
  private byName = new Map<string, string[]>();
  private releases = new Map<string, EolRelease[]>();
  private titles = new Map<string, string>();

  constructor(sqlite: Database.Database) {
    for (const p of sqlite.prepare('SELECT slug, title, match_names FROM eol_products').all() as { slug: string; title: string; match_names: string }[]) {
      this.titles.set(p.slug, p.title);
      for (const n of JSON.parse(p.match_names) as string[]) {
        const list = this.byName.get(n) ?? [];
        list.push(p.slug);
        this.byName.set(n, list);
      }
    }
    for (const r of sqlite.prepare('SELECT product, cycle, release_date, eol_date, eol_flag, latest FROM eol_releases').all() as {
      product: string;
      cycle: string;
      release_date: string | null;
      eol_date: string | null;
      eol_flag: number;
      latest: string | null;
    }[]) {
      const list = this.releases.get(r.product) ?? [];
      list.push({ cycle: r.cycle, releaseDate: r.release_date, eolDate: r.eol_date, eolFlag: !!r.eol_flag, latest: r.latest });
      this.releases.set(r.product, list);
    }
  }

  get size(): number {
    return this.titles.size;
  }

  /**
   * Name: the whole normalised name is a product name ("nginx"), or it starts with one followed
   * by a version ("fedora 31 workstation edition"). Version: the given one, else the number after
   * the product name.
   */
  match(t: Title): EolMatch | null {
    const n = norm(t.name);
    const candidates: { slug: string; version: string | null }[] = [];
    for (const slug of this.byName.get(n) ?? []) candidates.push({ slug, version: t.version });
    if (!candidates.length) {
      const words = n.split(' ');
      for (let k = Math.min(words.length - 1, 5); k >= 1 && !candidates.length; k--) {
        const head = words.slice(0, k).join(' ');
        const rest = words.slice(k);
        if (!/^\d/.test(rest[0] ?? '')) continue;
        // "windows server 2019 standard" → product "windows server", version "2019"; "android 10 0" → "10.0".
        const nums: string[] = [];
        for (const w of rest) {
          if (/^\d+$/.test(w) && nums.length < 3) nums.push(w);
          else break;
        }
        for (const slug of this.byName.get(head) ?? []) candidates.push({ slug, version: t.version && /^\d/.test(cleanVersion(t.version)) && !nums.length ? t.version : nums.join('.') });
      }
    }
    for (const c of candidates) {
      if (!c.version) continue;
      const rels = this.releases.get(c.slug) ?? [];
      const cycle = cycleFor(c.version, rels.map((r) => r.cycle)) ?? (c.version.includes('.') ? cycleFor(c.version.split('.')[0]!, rels.map((r) => r.cycle)) : null);
      if (!cycle) continue;
      const r = rels.find((x) => x.cycle === cycle)!;
      return { product: c.slug, title: this.titles.get(c.slug) ?? c.slug, cycle, eolDate: r.eolDate, eolFlag: r.eolFlag, latest: r.latest };
    }
    return null;
  }
}

export interface KevRow {
  cveId: string;
  vendorProject: string;
  product: string;
  vendorKey: string;
  productKey: string;
  vulnerabilityName: string | null;
  dateAdded: string;
  dueDate: string | null;
  requiredAction: string | null;
  knownRansomware: number;
}

/** A KEV entry matched to a title: by name and vendor, or by the product name alone. */
export interface KevMatch extends KevRow {
  basis: 'vendor' | 'name';
}

/** Why a title was matched, in words a technician can check against the vendor's advisory. */
export function kevReason(t: Title, k: KevMatch): string {
  const what = `${k.vendorProject} ${k.product}`;
  const versions = 'the catalogue lists no affected versions';
  if (k.basis === 'vendor') {
    return `Matched by name and vendor (${t.vendor ? `publisher ${t.vendor}` : `"${k.vendorProject}" in the name`}); ${versions}, so check ${t.version ? `version ${t.version}` : 'the installed version'} against the advisory.`;
  }
  return `Possible: matched by the product name alone. "${t.name}" is named like ${what}, but ${
    t.vendor ? `its publisher is ${t.vendor}` : 'no publisher is recorded'
  }, and ${versions}.`;
}

export class KevIndex {
  private byProduct = new Map<string, KevRow[]>();
  constructor(sqlite: Database.Database) {
    for (const r of sqlite
      .prepare(
        `SELECT cve_id AS cveId, vendor_project AS vendorProject, product, vendor_key AS vendorKey, product_key AS productKey, vulnerability_name AS vulnerabilityName,
          date_added AS dateAdded, due_date AS dueDate, required_action AS requiredAction, known_ransomware AS knownRansomware FROM kev_entries`,
      )
      .all() as KevRow[]) {
      const list = this.byProduct.get(r.productKey) ?? [];
      list.push(r);
      this.byProduct.set(r.productKey, list);
    }
  }

  get size(): number {
    return this.byProduct.size;
  }

  /**
   * KEV names a vendor and a product but no affected versions, so a match is by name: the
   * product's words appear as a phrase in the software name, and the vendor appears in the
   * software's publisher or name, or the product name is the whole software name. Version
   * numbers in the KEV product ("Windows Server 2008") must appear in the name or version.
   */
  match(t: Title): KevMatch[] {
    const n = norm(t.name);
    const vendor = t.vendor ? norm(t.vendor) : '';
    const hay = ` ${n} ${t.version ? norm(t.version) : ''} `;
    const out: KevMatch[] = [];
    for (const p of new Set(phrases(n))) {
      for (const k of this.byProduct.get(p) ?? []) {
        // A product named like its vendor ("Apache / Apache") only matches that exact name:
        // otherwise every "apache-commons-*" package would be flagged.
        if (k.productKey === k.vendorKey && n !== k.productKey) continue;
        const vendorOk = n === k.productKey || n === `${k.vendorKey} ${k.productKey}` || (!!k.vendorKey && (` ${vendor} `.includes(` ${k.vendorKey} `) || ` ${n} `.includes(` ${k.vendorKey} `)));
        if (!vendorOk) continue;
        const nums = k.productKey.split(' ').filter((w) => /\d/.test(w));
        if (nums.some((x) => !hay.includes(` ${x} `))) continue;
        // The vendor is confirmed by the publisher, or by vendor words in the name beyond the
        // product's own ("Apache HTTP Server"); a bare product name ("chromium", "git") is not.
        const byPublisher = !!k.vendorKey && ` ${vendor} `.includes(` ${k.vendorKey} `);
        const byName = !!k.vendorKey && k.vendorKey !== k.productKey && ` ${n} `.includes(` ${k.vendorKey} `);
        out.push({ ...k, basis: byPublisher || byName ? 'vendor' : 'name' });
      }
    }
    return out;
  }
}

interface AssetTitleRow {
  assetId: string;
  assetTag: string;
  assetName: string;
  name: string;
  vendor: string | null;
  version: string | null;
}

/** Distinct titles first (thousands), then the assets behind the matching ones. */
function* estateTitles(sqlite: Database.Database, assetId?: string): Generator<AssetTitleRow> {
  const inactive = INACTIVE_STATUSES.map((s) => `'${s}'`).join(',');
  const rows = sqlite
    .prepare(
      `SELECT a.id AS assetId, a.tag AS assetTag, a.name AS assetName, s.name, s.vendor, s.version
       FROM installed_software s JOIN assets a ON a.id = s.asset_id
       WHERE s.deleted_hlc IS NULL AND a.deleted_hlc IS NULL AND a.status NOT IN (${inactive}) ${assetId ? 'AND a.id = ?' : ''}`,
    )
    .iterate(...(assetId ? [assetId] : [])) as IterableIterator<AssetTitleRow>;
  yield* rows;
  // The operating system an inventory reported counts as installed software.
  const os = sqlite
    .prepare(
      `SELECT a.id AS assetId, a.tag AS assetTag, a.name AS assetName, json_extract(a.hardware, '$.os') AS name, NULL AS vendor, NULL AS version
       FROM assets a WHERE a.hardware IS NOT NULL AND json_extract(a.hardware, '$.os') IS NOT NULL AND a.deleted_hlc IS NULL AND a.status NOT IN (${inactive}) ${assetId ? 'AND a.id = ?' : ''}`,
    )
    .iterate(...(assetId ? [assetId] : [])) as IterableIterator<AssetTitleRow>;
  yield* os;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400_000);
}

export function eolExposure(ctx: Ctx, opts: { assetId?: string; limit: number }): { items: EolExposure[]; assets: number } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const index = new EolIndex(sqlite);
  if (!index.size) return { items: [], assets: 0 };
  const today = ctx.clock.now().toISOString().slice(0, 10);
  const memo = new Map<string, EolMatch | null>();
  const items: EolExposure[] = [];
  const assets = new Set<string>();
  for (const r of estateTitles(sqlite, opts.assetId)) {
    const key = `${r.name}\u0000${r.vendor ?? ''}\u0000${r.version ?? ''}`;
    let m = memo.get(key);
    if (m === undefined) memo.set(key, (m = index.match(r)));
    if (!m) continue;
    const ended = m.eolFlag || (m.eolDate !== null && m.eolDate <= today);
    if (!ended) continue;
    assets.add(r.assetId);
    if (items.length < opts.limit) {
      items.push({
        assetId: r.assetId,
        assetTag: r.assetTag,
        assetName: r.assetName,
        software: r.name,
        version: r.version,
        product: m.product,
        productTitle: m.title,
        cycle: m.cycle,
        eolDate: m.eolDate,
        daysPastEol: m.eolDate ? daysBetween(m.eolDate, today) : null,
        latest: m.latest,
      });
    }
  }
  items.sort((a, b) => (b.daysPastEol ?? 0) - (a.daysPastEol ?? 0) || a.assetTag.localeCompare(b.assetTag));
  return { items, assets: assets.size };
}

/** Kept in words: the asset's history shows "CVE-2016-5195: affected → not affected". */
const NOT_AFFECTED = 'not affected';

/** The latest "not affected" / "affected" decision per asset and CVE, from the assets' history. */
function kevAssessments(sqlite: Database.Database, assetId?: string): Map<string, KevAssessment> {
  const rows = sqlite
    .prepare(
      `SELECT h.asset_id AS assetId, h.field AS cveId, h.to_value AS state, h.reason AS note, h.created_at AS at,
         coalesce(u.display_name, 'Unknown') AS byName
       FROM asset_history h LEFT JOIN users u ON u.id = h.actor_id
       WHERE h.kind = 'vulnerability' AND h.deleted_hlc IS NULL ${assetId ? 'AND h.asset_id = ?' : ''} ORDER BY h.created_at, h.id`,
    )
    .all(...(assetId ? [assetId] : [])) as { assetId: string; cveId: string; state: string; note: string | null; at: string; byName: string }[];
  const out = new Map<string, KevAssessment>();
  for (const r of rows) {
    const key = `${r.assetId} ${r.cveId}`;
    if (r.state === NOT_AFFECTED) out.set(key, { note: r.note, byName: r.byName, at: r.at });
    else out.delete(key);
  }
  return out;
}

/**
 * Installed software matched to the KEV catalogue, one item per asset, package and CVE. `assets`
 * counts the assets still exposed: an asset a person marked not affected for a CVE keeps its
 * items (with the note) but does not count for that CVE.
 */
export function kevExposure(ctx: Ctx, opts: { assetId?: string; limit: number }): { items: KevExposure[]; assets: number } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const index = new KevIndex(sqlite);
  if (!index.size) return { items: [], assets: 0 };
  const assessed = kevAssessments(sqlite, opts.assetId);
  const memo = new Map<string, KevMatch[]>();
  const items: KevExposure[] = [];
  const assets = new Set<string>();
  for (const r of estateTitles(sqlite, opts.assetId)) {
    const key = `${r.name}\u0000${r.vendor ?? ''}\u0000${r.version ?? ''}`;
    let m = memo.get(key);
    if (m === undefined) memo.set(key, (m = index.match(r)));
    for (const k of m) {
      const assessment = assessed.get(`${r.assetId} ${k.cveId}`) ?? null;
      if (!assessment) assets.add(r.assetId);
      if (items.length >= opts.limit) continue;
      items.push({
        assetId: r.assetId,
        assetTag: r.assetTag,
        assetName: r.assetName,
        software: r.name,
        version: r.version,
        cveId: k.cveId,
        vendorProject: k.vendorProject,
        product: k.product,
        vulnerabilityName: k.vulnerabilityName,
        dateAdded: k.dateAdded,
        dueDate: k.dueDate,
        requiredAction: k.requiredAction,
        knownRansomware: !!k.knownRansomware,
        basis: k.basis,
        reason: kevReason(r, k),
        notAffected: assessment,
      });
    }
  }
  items.sort((a, b) => (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') || a.assetTag.localeCompare(b.assetTag));
  return { items, assets: assets.size };
}

/**
 * A person's decision that an asset is not affected by a CVE (or is after all), kept as an entry in
 * the asset's history: synced like every history entry, and the latest one counts.
 */
export function assessKev(ctx: Ctx, input: { assetId: string; cveId: string; affected: boolean; note?: string | null }): { done: true } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const asset = sqlite.prepare('SELECT id, scope_id FROM assets WHERE id = ? AND deleted_hlc IS NULL').get(input.assetId) as { id: string; scope_id: string } | undefined;
  if (!asset) throw new AppError('not_found', 'No such asset.');
  const current = kevAssessments(sqlite, asset.id).has(`${asset.id} ${input.cveId}`);
  if (current === !input.affected) return { done: true };
  write(ctx, (w) => {
    const id = uuidv7();
    const row = {
      asset_id: asset.id,
      actor_id: w.actorId,
      kind: 'vulnerability',
      field: input.cveId,
      from_value: current ? NOT_AFFECTED : 'affected',
      to_value: input.affected ? 'affected' : NOT_AFFECTED,
      reason: input.note?.trim() || null,
      assigned_to_id: null,
      location_id: null,
      expected_return: null,
    };
    appendRecord(ctx, w, 'asset_history', id, asset.scope_id, row, { audit: { type: 'asset', recordId: asset.id, before: { [input.cveId]: row.from_value }, after: { [input.cveId]: row.to_value, note: row.reason } } });
    // Tells the alerts' exposure cache to look again now rather than within the minute.
    setMeta(sqlite, 'kev_assessed_at', `${w.now} ${id}`);
  });
  return { done: true };
}
