/** Installed software, maintenance records, end-of-life and KEV catalogues and exposure views. */
import { z } from 'zod';
import { call, STAFF } from './contract';
import { id, trimmed, type Page } from './common';
import { isoDate, REGISTER_READERS } from './assets';

export interface InstalledSoftware {
  id: string;
  assetId: string;
  name: string;
  vendor: string | null;
  version: string | null;
  installedOn: string | null;
  source: 'inventory' | 'manual';
}

export interface SoftwareTitle {
  name: string;
  vendor: string | null;
  versions: number;
  installs: number;
}

export const MAINTENANCE_KINDS = ['patch', 'upgrade', 'install', 'uninstall', 'config'] as const;
export type MaintenanceKind = (typeof MAINTENANCE_KINDS)[number];
export const MAINTENANCE_STATUSES = ['planned', 'applied', 'failed', 'cancelled'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export interface Maintenance {
  id: string;
  assetId: string;
  assetTag: string;
  assetName: string;
  kind: MaintenanceKind;
  title: string;
  software: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  status: MaintenanceStatus;
  windowStart: string | null;
  windowEnd: string | null;
  performedById: string | null;
  performedByName: string | null;
  ticketId: string | null;
  ticketNumber: string | null;
  notes: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EolExposure {
  assetId: string;
  assetTag: string;
  assetName: string;
  software: string;
  version: string | null;
  /** endoflife.date product slug and title. */
  product: string;
  productTitle: string;
  cycle: string;
  /** null when the catalogue says end-of-life without a date. */
  eolDate: string | null;
  daysPastEol: number | null;
  /** Newest release of that cycle, the usual upgrade target. */
  latest: string | null;
}

export interface KevExposure {
  assetId: string;
  assetTag: string;
  assetName: string;
  software: string;
  version: string | null;
  cveId: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string | null;
  dateAdded: string;
  dueDate: string | null;
  requiredAction: string | null;
  knownRansomware: boolean;
  /**
   * 'vendor': the name and the vendor (publisher or name) match; 'name': the product name alone
   * matches, a possible exposure. KEV lists no versions, so neither proves the version is affected.
   */
  basis: 'vendor' | 'name';
  /** Why it matched, in words. */
  reason: string;
  /** Set when a person marked this asset not affected by this CVE. */
  notAffected: KevAssessment | null;
}

export interface KevAssessment {
  note: string | null;
  byName: string;
  at: string;
}

export interface CatalogueStatus {
  eolProducts: number;
  eolReleases: number;
  eolImportedAt: string | null;
  kevEntries: number;
  kevVersion: string | null;
  kevImportedAt: string | null;
}

const maintenanceFields = {
  assetId: id,
  kind: z.enum(MAINTENANCE_KINDS),
  title: trimmed(200, 'Title'),
  software: z.string().trim().max(200).nullable(),
  fromVersion: z.string().trim().max(64).nullable(),
  toVersion: z.string().trim().max(64).nullable(),
  status: z.enum(MAINTENANCE_STATUSES),
  windowStart: z.string().datetime({ offset: true, message: 'Use a date and time (ISO 8601).' }).nullable(),
  windowEnd: z.string().datetime({ offset: true, message: 'Use a date and time (ISO 8601).' }).nullable(),
  performedById: id.nullable(),
  ticketId: id.nullable(),
  notes: z.string().max(20000).nullable(),
};

export const softwareCalls = {
  'software.installed': call<{ items: InstalledSoftware[] }>()(z.object({ assetId: id }).strict(), REGISTER_READERS),
  /** Distinct titles across the estate with install counts. */
  'software.titles': call<Page<SoftwareTitle>>()(
    z
      .object({ text: z.string().trim().max(200).optional(), limit: z.number().int().min(1).max(500).default(100), cursor: z.string().max(500).nullable().optional() })
      .strict()
      .default({ limit: 100 }),
    REGISTER_READERS,
  ),
  'software.add': call<InstalledSoftware>()(
    z
      .object({
        assetId: id,
        name: trimmed(200, 'Software name'),
        vendor: z.string().trim().max(200).nullable().optional(),
        version: z.string().trim().max(64).nullable().optional(),
        installedOn: isoDate.nullable().optional(),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'software.remove': call<{ done: true }>()(z.object({ id }).strict(), STAFF, { mutates: true }),
  'maintenance.list': call<{ items: Maintenance[] }>()(
    z
      .object({ assetId: id.optional(), status: z.array(z.enum(MAINTENANCE_STATUSES)).max(4).optional(), limit: z.number().int().min(1).max(1000).default(200) })
      .strict()
      .default({ limit: 200 }),
    REGISTER_READERS,
  ),
  'maintenance.create': call<Maintenance>()(
    z.object(maintenanceFields).partial().extend({ assetId: id, kind: z.enum(MAINTENANCE_KINDS), title: maintenanceFields.title, status: z.enum(MAINTENANCE_STATUSES).default('planned') }).strict(),
    STAFF,
    { mutates: true },
  ),
  'maintenance.update': call<Maintenance>()(
    z.object({ id, fields: z.object(maintenanceFields).omit({ assetId: true }).partial().strict() }).strict(),
    STAFF,
    { mutates: true },
  ),
  /** endoflife.date product files (Markdown with YAML front matter), as picked by the user. */
  'software.importEol': call<{ products: number; releases: number; errors: { file: string; message: string }[] }>()(
    z
      .object({
        files: z
          .array(z.object({ name: z.string().trim().min(1).max(200), content: z.string().max(2 * 1024 * 1024) }).strict())
          .min(1, { message: 'Pick at least one file.' })
          .max(2000),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  /** The CISA KEV catalogue JSON (known_exploited_vulnerabilities.json). Replaces the stored catalogue. */
  'software.importKev': call<{ entries: number; catalogVersion: string | null }>()(
    z.object({ content: z.string().min(2).max(32 * 1024 * 1024) }).strict(),
    STAFF,
    { mutates: true },
  ),
  /** Marks an asset not affected by a known exploited vulnerability (with a note), or affected again. */
  'software.assessKev': call<{ done: true }>()(
    z
      .object({
        assetId: id,
        cveId: z.string().regex(/^CVE-\d{4}-\d{4,}$/, { message: 'A CVE id looks like CVE-2024-12345.' }),
        affected: z.boolean(),
        note: z.string().trim().max(2000).nullable().optional(),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'software.catalogues': call<CatalogueStatus>()(z.object({}).strict().default({}), REGISTER_READERS),
  'software.eolExposure': call<{ items: EolExposure[]; assets: number }>()(
    z.object({ assetId: id.optional(), limit: z.number().int().min(1).max(5000).default(500) }).strict().default({ limit: 500 }),
    REGISTER_READERS,
  ),
  'software.kevExposure': call<{ items: KevExposure[]; assets: number }>()(
    z.object({ assetId: id.optional(), limit: z.number().int().min(1).max(5000).default(500) }).strict().default({ limit: 500 }),
    REGISTER_READERS,
  ),
};
