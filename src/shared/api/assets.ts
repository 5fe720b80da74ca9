/** Asset register, locations tree, CSV/GLPI import, CSV export and automated inventory. */
import { z } from 'zod';
import { ADMIN, call, STAFF, type Role } from './contract';
import { id, trimmed, uploadId, type Page } from './common';
import {
  ASSET_STATUSES,
  ASSET_TYPES,
  LOCATION_KINDS,
  RELATION_KINDS,
  type AssetStatus,
  type AssetType,
  type LocationKind,
  type RelationKind,
} from '../assets/rules';
import { STATUS_LABEL_TYPES, statusLabelName, type StatusLabel, type StatusLabelType } from '../assets/status-labels';

/** Who may read registers and export: everyone but requesters (auditors are read-only elsewhere). */
export const REGISTER_READERS: readonly Role[] = ['admin', 'technician', 'auditor'];

/** yyyy-mm-dd; the register keeps calendar dates without time zones. */
export const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Use a date like 2026-03-31.' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'That date does not exist.',
  });

export type CustomFieldValue = string | number | boolean | null;
const customValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);
export const customFields = z.record(z.string().trim().min(1).max(64), customValue).refine((o) => Object.keys(o).length <= 100, {
  message: 'At most 100 custom fields.',
});

/** Facts an inventory agent reports; stored as JSON on the asset, shown on its page. */
export interface HardwareFacts {
  os: string | null;
  osVersion: string | null;
  cpu: string | null;
  cores: number | null;
  memoryMb: number | null;
  diskGb: number | null;
  ipAddresses: string[];
  macAddresses: string[];
  biosVersion: string | null;
  lastUser: string | null;
  agent: string | null;
}

export interface Asset {
  id: string;
  tag: string;
  name: string;
  type: AssetType;
  /** Free text (Snipe-IT categories are arbitrary); `type` is the fixed kind. */
  category: string | null;
  manufacturer: string | null;
  model: string | null;
  modelNumber: string | null;
  serial: string | null;
  /** Hardware UUID from inventory (SMBIOS), used to match agent reports. */
  uuid: string | null;
  status: AssetStatus;
  /** The team's own status label it was given (an import keeps Snipe-IT's), or null; shown while it agrees with `status`. */
  statusLabel: string | null;
  assignedToId: string | null;
  assignedToName: string | null;
  locationId: string | null;
  locationName: string | null;
  /** "Site › Building › Room" */
  locationPath: string | null;
  /** Where it lives when nobody has it (Snipe-IT's default location); check-in returns it there. */
  homeLocationId: string | null;
  homeLocationPath: string | null;
  siteId: string;
  siteName: string | null;
  checkedOutAt: string | null;
  expectedReturn: string | null;
  purchaseDate: string | null;
  cost: number | null;
  supplier: string | null;
  orderNumber: string | null;
  warrantyEnd: string | null;
  eolDate: string | null;
  lastAuditAt: string | null;
  nextAuditAt: string | null;
  lastInventoryAt: string | null;
  notes: string | null;
  customFields: Record<string, CustomFieldValue>;
  hardware: HardwareFacts | null;
  createdAt: string;
  updatedAt: string;
}

/** A list row: what the virtualised list shows, kept small. */
export type AssetRow = Pick<
  Asset,
  | 'id'
  | 'tag'
  | 'name'
  | 'type'
  | 'category'
  | 'manufacturer'
  | 'model'
  | 'serial'
  | 'status'
  | 'statusLabel'
  | 'assignedToId'
  | 'assignedToName'
  | 'locationId'
  | 'locationName'
  | 'siteId'
  | 'siteName'
  | 'expectedReturn'
  | 'warrantyEnd'
  | 'nextAuditAt'
  | 'updatedAt'
>;

export type AssetTimelineEntry =
  | { kind: 'status'; id: string; at: string; actorId: string; actorName: string; from: AssetStatus | null; to: AssetStatus; reason: string | null }
  | {
      kind: 'assignment';
      id: string;
      at: string;
      actorId: string;
      actorName: string;
      action: 'checkout' | 'checkin' | 'move';
      assignedToId: string | null;
      assignedToName: string | null;
      locationId: string | null;
      locationName: string | null;
      expectedReturn: string | null;
      note: string | null;
    }
  | { kind: 'audit'; id: string; at: string; actorId: string; actorName: string; auditId: string; result: string; locationName: string | null }
  | { kind: 'field'; id: string; at: string; actorId: string; actorName: string; field: string; from: string | null; to: string | null }
  | { kind: 'inventory'; id: string; at: string; actorId: string; actorName: string; source: string; note: string | null }
  /** From the audit trail: the asset was created or changed by a file import (`fields`: what it set). */
  | { kind: 'import'; id: string; at: string; actorId: string; actorName: string; action: 'created' | 'updated'; fields: string[] };

export interface AssetRelation {
  id: string;
  kind: RelationKind;
  /** 'outgoing': this asset is part of / connected to the other; 'incoming': the other is part of this one. */
  direction: 'outgoing' | 'incoming';
  otherId: string;
  otherTag: string;
  otherName: string;
}

export interface AssetDetail extends Asset {
  timeline: AssetTimelineEntry[];
  relations: AssetRelation[];
  tickets: { id: string; number: string; title: string; status: string; openedAt: string }[];
  software: { id: string; name: string; vendor: string | null; version: string | null; source: 'inventory' | 'manual' }[];
  licences: { assignmentId: string; entitlementId: string; productName: string; type: string }[];
}

export interface Location {
  id: string;
  name: string;
  kind: LocationKind;
  siteId: string;
  siteName: string | null;
  parentId: string | null;
  /** "Site › Building › Room" */
  path: string;
  depth: number;
  address: string | null;
  /** Assets whose location is exactly this one (not sub-locations). */
  assetCount: number;
}

export interface ImportError {
  /** 1-based data row (the header is row 0); 0 for a problem with the whole file. */
  row: number;
  /** The column header as written in the file, or '' for the whole row/file. */
  column: string;
  message: string;
  /** 'header': a problem with the header row (fixed there, not row by row). */
  kind?: 'header';
}

/** Encodings the importer reads; 'utf-8-bom' is UTF-8 that starts with a byte-order mark. */
export const IMPORT_ENCODINGS = ['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1', 'macintosh'] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];
export const IMPORT_ENCODING_LABELS: Record<ImportEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-8-bom': 'UTF-8 with BOM',
  'utf-16le': 'UTF-16 (little-endian)',
  'utf-16be': 'UTF-16 (big-endian)',
  'windows-1252': 'Windows-1252',
  'iso-8859-1': 'Latin-1 (ISO-8859-1)',
  macintosh: 'Mac Roman',
};

/** How the file's text was read, for the preview: the encoding, a glimpse of non-ASCII values, and misread UTF-8 found. */
export interface ImportTextInfo {
  encoding: ImportEncoding;
  /** The person chose the encoding (else it was detected). */
  encodingChosen: boolean;
  nonAscii: string[];
  /** Values that are UTF-8 read as Windows-1252 before they reached this file ("Lutsâ€™k"), with what they meant. */
  mojibake: { count: number; examples: { before: string; after: string }[] } | null;
  /** Whether those values were repaired in this run. */
  repaired: boolean;
}

/**
 * A status label the file uses and the type it has: one of the team's, one of Snipe-IT's defaults,
 * or new (the import adds it to the team's labels with this type, which the person may change).
 */
export interface ImportStatusLabel {
  name: string;
  type: StatusLabelType;
  source: 'team' | 'snipe-it' | 'new';
  rows: number;
}

/** A running (or the last) import commit, for the progress bar: rows done of total in the current phase. */
export interface ImportJobStatus {
  id: string;
  format: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  phase: 'reading' | 'checking' | 'writing' | 'finishing';
  done: number;
  total: number;
  startedAt: string;
  finishedAt: string | null;
  byId: string;
  cancelRequested: boolean;
  /** Why it failed or stopped, in plain words. */
  message: string | null;
}

export interface ImportResult {
  created: number;
  updated: number;
  /** Rows left as they were (identical to what is stored). */
  unchanged: number;
  errors: ImportError[];
  /** Rows read (excluding the header). */
  rows: number;
  dryRun: boolean;
  /** How the file was read (an ImportEncoding); line ends 'lf' | 'crlf' | 'cr'. */
  encoding: string;
  lineEnding: string;
  /** Encoding details, for CSV files. */
  text?: ImportTextInfo;
  /** Header notes that do not stop the import (duplicate columns with equal values, blank headers ignored). */
  headerNotes?: string[];
  /** Notes about the rows as a whole that do not stop the import (people on assets that are not checked out, warranty months without a purchase date). */
  rowNotes?: string[];
  /** Row-level warnings that do not stop the import (differing duplicate columns: the first non-empty value is kept). */
  warnings?: ImportError[];
  /** Asset imports: the status labels the file uses, new ones with the type they will get. */
  statusLabels?: ImportStatusLabel[];
  /** Up to 20 mapped rows as they would be stored, for the preview table. */
  preview: Record<string, string | number | null>[];
  /** Headers that were recognised, and those ignored. */
  columns: { recognised: Record<string, string>; ignored: string[] };
}

export const ASSET_SORTS = ['tag', 'name', 'updated', 'warranty', 'next_audit', 'status'] as const;
export type AssetSort = (typeof ASSET_SORTS)[number];
export const ASSET_SORT_LABELS: Record<AssetSort, string> = {
  tag: 'Asset tag',
  name: 'Name',
  updated: 'Recently updated',
  warranty: 'Warranty ending soonest',
  next_audit: 'Audit due soonest',
  status: 'Status, then tag',
};

export const assetFilter = z
  .object({
    status: z.array(z.enum(ASSET_STATUSES)).max(ASSET_STATUSES.length).optional(),
    type: z.array(z.enum(ASSET_TYPES)).max(ASSET_TYPES.length).optional(),
    category: z.array(z.string().trim().max(120)).max(50).optional(),
    siteId: z.array(id).max(50).optional(),
    /** Includes every sub-location. */
    locationId: id.optional(),
    /** An id, or null for "nobody". */
    assignedToId: z.array(id.nullable()).max(50).optional(),
    manufacturer: z.string().trim().max(120).optional(),
    /** Every word as a substring of the tag, name, serial, model, manufacturer or assignee's name; an exact tag always matches. */
    text: z.string().trim().max(200).optional(),
    warrantyBefore: isoDate.optional(),
    /** Assets whose next audit date is before this day (assets without a date are not included). */
    auditDueBefore: isoDate.optional(),
    /** Checked out with an expected return date in the past. */
    overdue: z.boolean().optional(),
  })
  .strict();
export type AssetFilter = z.infer<typeof assetFilter>;

const editableShape = {
    tag: trimmed(64, 'Asset tag'),
    name: trimmed(200, 'Name'),
    type: z.enum(ASSET_TYPES),
    category: z.string().trim().max(120).nullable(),
    manufacturer: z.string().trim().max(120).nullable(),
    model: z.string().trim().max(200).nullable(),
    modelNumber: z.string().trim().max(120).nullable(),
    serial: z.string().trim().max(120).nullable(),
    uuid: z.string().trim().max(64).nullable(),
    siteId: id,
    locationId: id.nullable(),
    homeLocationId: id.nullable(),
    purchaseDate: isoDate.nullable(),
    cost: z.number().min(0).max(1e10).nullable(),
    supplier: z.string().trim().max(200).nullable(),
    orderNumber: z.string().trim().max(120).nullable(),
    warrantyEnd: isoDate.nullable(),
    eolDate: isoDate.nullable(),
    nextAuditAt: isoDate.nullable(),
    notes: z.string().max(20000).nullable(),
    customFields,
};
const editable = z.object(editableShape).partial().strict();
export type AssetFields = z.infer<typeof editable>;

/** Either ids from a selection or tags from a batch of scans (unknown tags are reported, not fatal). */
const targets = z
  .object({
    ids: z.array(id).max(5000).optional(),
    tags: z.array(z.string().trim().min(1).max(64)).max(5000).optional(),
  })
  .strict()
  .refine((t) => (t.ids?.length ?? 0) + (t.tags?.length ?? 0) > 0, { message: 'Select or scan at least one asset.' });

const checkoutFields = {
  assignedToId: id.nullable().optional(),
  locationId: id.nullable().optional(),
  expectedReturn: isoDate.nullable().optional(),
  note: z.string().trim().max(2000).optional(),
};

export const IMPORT_FORMATS = [
  'snipe-it-assets',
  'snipe-it-licenses',
  'snipe-it-users',
  'snipe-it-locations',
  'snipe-it-models',
  'glpi-inventory',
  /** Any CSV with a `mapping` from its headers to asset fields. */
  'csv-mapped',
] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Asset fields a generic CSV column can be mapped to (the column-mapping step). */
export const MAPPABLE_FIELDS = [
  'tag',
  'name',
  'type',
  'category',
  'manufacturer',
  'model',
  'modelNumber',
  'serial',
  'status',
  'location',
  'assignedTo',
  'purchaseDate',
  'cost',
  'supplier',
  'orderNumber',
  'warrantyEnd',
  'eolDate',
  'nextAuditAt',
  'notes',
  /** Months of warranty from the purchase date (Snipe-IT's Warranty column). */
  'warrantyMonths',
] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];

/** What the column mapping and the preview call each field a column can give. */
export const MAPPABLE_FIELD_LABELS: Record<MappableField, string> = {
  tag: 'Asset tag',
  name: 'Name',
  type: 'Type',
  category: 'Category',
  manufacturer: 'Manufacturer',
  model: 'Model',
  modelNumber: 'Model number',
  serial: 'Serial',
  status: 'Status',
  location: 'Location',
  assignedTo: 'Assigned to (username or email)',
  purchaseDate: 'Purchase date',
  cost: 'Cost',
  supplier: 'Supplier',
  orderNumber: 'Order number',
  warrantyEnd: 'Warranty end',
  eolDate: 'End-of-life date',
  nextAuditAt: 'Next audit date',
  notes: 'Notes',
  warrantyMonths: 'Warranty (months from purchase)',
};
/** The same for the other fields an asset file is read into (Snipe-IT's user and check-out columns). */
export const IMPORT_FIELD_LABELS: Record<string, string> = {
  ...MAPPABLE_FIELD_LABELS,
  username: 'Username',
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  checkoutType: 'Check-out type',
  checkoutLocation: 'Checked out to location',
  expectedReturn: 'Expected return',
};

/** How to read a file's text: an encoding the person chose (else detected), and misread UTF-8 repaired. */
const textOptions = {
  encoding: z.enum(IMPORT_ENCODINGS, { message: `Encoding must be one of ${IMPORT_ENCODINGS.join(', ')}.` }).optional(),
  repairMojibake: z.boolean().optional(),
};

export interface CsvInspection {
  encoding: string;
  text: ImportTextInfo;
  lineEnding: string;
  delimiter: string;
  headers: string[];
  /** Data rows read (of the head only, when `partial` says so). */
  rows: number;
  /** Present when only the head of a large file was read for this inspection; the preview reads it all. */
  partial?: { bytesRead: number; size: number };
  sample: string[][];
  /** Which known format the headers look like, if any. */
  detectedFormat: ImportFormat | null;
  /** header → field, from names and Snipe-IT aliases; unmapped headers absent. */
  suggestedMapping: Record<string, MappableField>;
  /** The same suggestion by column position (null: ignored); a repeated header is suggested once. */
  suggestedColumns: (MappableField | null)[];
}

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'boolean'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** The custom fields an asset category carries (e.g. Laptops: RAM, CPU; Phones: IMEI). */
export interface CategoryFields {
  category: string;
  fields: { key: string; label: string; type: CustomFieldType; required: boolean }[];
}

export interface AgentToken {
  siteId: string;
  siteName: string;
  token: string | null;
  lastReportAt: string | null;
}

export interface ExportFile {
  filename: string;
  mime: string;
  /** Text for CSV; base64 for binary formats (PDF). */
  content: string;
  encoding: 'utf-8' | 'base64';
  rows: number;
}

export interface AssetSearchHit {
  id: string;
  tag: string;
  name: string;
  status: AssetStatus;
  serial: string | null;
  snippet: string;
}

export const assetsCalls = {
  'assets.list': call<Page<AssetRow> & { total: number | null }>()(
    z
      .object({
        filter: assetFilter.default({}),
        sort: z.enum(ASSET_SORTS).default('tag'),
        limit: z.number().int().min(1).max(500).default(100),
        cursor: z.string().max(1000).nullable().optional(),
        withTotal: z.boolean().default(false),
      })
      .strict(),
    REGISTER_READERS,
  ),
  'assets.get': call<AssetDetail>()(
    z.union([z.object({ id }).strict(), z.object({ tag: z.string().trim().min(1).max(64) }).strict()], {
      message: 'Give an asset id or an asset tag.',
    }),
    REGISTER_READERS,
  ),
  'assets.search': call<{ items: AssetSearchHit[] }>()(
    z.object({ text: z.string().trim().min(1, { message: 'Type something to search for.' }).max(200), limit: z.number().int().min(1).max(100).default(20) }).strict(),
    REGISTER_READERS,
  ),
  'assets.create': call<Asset>()(
    z
      .object(editableShape)
      .partial()
      .extend({
        tag: trimmed(64, 'Asset tag'),
        name: trimmed(200, 'Name'),
        type: z.enum(ASSET_TYPES).default('other'),
        status: z.enum(ASSET_STATUSES).default('in_stock'),
        assignedToId: id.nullable().optional(),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'assets.update': call<Asset>()(z.object({ id, fields: editable }).strict(), STAFF, { mutates: true }),
  'assets.transition': call<Asset>()(
    z.object({ id, to: z.enum(ASSET_STATUSES), reason: z.string().trim().max(2000).optional() }).strict(),
    STAFF,
    { mutates: true },
  ),
  /** Check out to a person and/or a location; sets status deployed. */
  'assets.checkout': call<Asset>()(z.object({ id, ...checkoutFields }).strict(), STAFF, { mutates: true }),
  /** Back to stock: clears the person; goes to `locationId`, else to the asset's home location; status in_stock. */
  'assets.checkin': call<Asset>()(
    z.object({ id, locationId: id.nullable().optional(), note: z.string().trim().max(2000).optional() }).strict(),
    STAFF,
    { mutates: true },
  ),
  'assets.bulk': call<{ updated: number; failed: { ref: string; message: string }[] }>()(
    z
      .object({
        targets,
        action: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('checkout'), ...checkoutFields }).strict(),
          z.object({ kind: z.literal('checkin'), locationId: id.nullable().optional(), note: z.string().trim().max(2000).optional() }).strict(),
          z.object({ kind: z.literal('move'), locationId: id }).strict(),
          z.object({ kind: z.literal('status'), to: z.enum(ASSET_STATUSES), reason: z.string().trim().max(2000).optional() }).strict(),
        ]),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'assets.relate': call<AssetRelation>()(
    z.object({ id, otherId: id, kind: z.enum(RELATION_KINDS) }).strict(),
    STAFF,
    { mutates: true },
  ),
  'assets.unrelate': call<{ done: true }>()(z.object({ relationId: id }).strict(), STAFF, { mutates: true }),
  /** Link or unlink a ticket (sets tickets.linked_asset_id). */
  'assets.linkTicket': call<{ done: true }>()(
    z.object({ id: id.nullable(), ticketId: id }).strict(),
    STAFF,
    { mutates: true },
  ),
  /** Any list view as CSV (the same filter and sort as assets.list, every row). */
  'assets.export': call<ExportFile>()(
    z
      .object({
        filter: assetFilter.default({}),
        sort: z.enum(ASSET_SORTS).default('tag'),
        columns: z.array(z.string().max(64)).max(60).optional(),
      })
      .strict(),
    REGISTER_READERS,
  ),
  /**
   * Reads a CSV without importing: encoding, line ends, headers, a sample and a suggested mapping.
   * A large file is named by its `uploadId` (streamed to the browser host, or picked on the desktop):
   * then only its head is read (see CsvInspection.partial).
   */
  'assets.inspectCsv': call<CsvInspection>()(
    z
      .object({
        content: z.string().max(64 * 1024 * 1024).optional(),
        contentBase64: z.string().max(90 * 1024 * 1024).optional(),
        uploadId: uploadId.optional(),
        ...textOptions,
      })
      .strict()
      .refine((v) => v.content !== undefined || v.contentBase64 !== undefined || v.uploadId !== undefined, { message: 'Give the file as content, contentBase64 or an uploadId.' }),
    STAFF,
  ),
  /**
   * Import a file. `content` is its text; send `contentBase64` (raw bytes) instead to let the
   * importer tell UTF-8 from Latin-1. With any row error and no dryRun nothing is written.
   */
  'assets.import': call<ImportResult>()(
    z
      .object({
        format: z.enum(IMPORT_FORMATS, { message: `Format must be one of ${IMPORT_FORMATS.join(', ')}.` }),
        content: z.string().max(64 * 1024 * 1024).optional(),
        contentBase64: z.string().max(90 * 1024 * 1024).optional(),
        /** A large file sent ahead through the streaming upload (or picked on the desktop), instead of the content. */
        uploadId: uploadId.optional(),
        dryRun: z.boolean().default(false),
        /** For csv-mapped: file header → asset field. */
        mapping: z.record(z.string().max(200), z.enum(MAPPABLE_FIELDS)).optional(),
        /**
         * For csv-mapped, instead of `mapping`: the field each column gives, by position (null: the
         * column is ignored), so columns with the same header, or none, are mapped each on its own.
         */
        columnFields: z.array(z.enum(MAPPABLE_FIELDS).nullable()).max(1000).optional(),
        /** Site for new records when the file does not say (default: the first site). */
        siteId: id.optional(),
        ...textOptions,
        /** Asset imports: the type each new status label gets (label name → type), where the person changed the proposed one. */
        statusLabelTypes: z.record(statusLabelName, z.enum(STATUS_LABEL_TYPES)).optional(),
      })
      .strict()
      .refine((v) => v.content !== undefined || v.contentBase64 !== undefined || v.uploadId !== undefined, { message: 'Give the file as content, contentBase64 or an uploadId.' }),
    STAFF,
    { mutates: true },
  ),
  /** The team's asset status labels (those an import added, with their types); Snipe-IT's defaults are known besides. */
  'assets.statusLabels': call<{ items: StatusLabel[] }>()(z.object({}).strict().default({}), REGISTER_READERS),
  /** The running import commit (or the last one): phase and rows done of total. Polled by the progress bar. */
  'assets.importStatus': call<{ job: ImportJobStatus | null }>()(z.object({}).strict().default({}), STAFF),
  /** Stops the running import; everything it wrote is rolled back. */
  'assets.importCancel': call<{ job: ImportJobStatus | null }>()(z.object({ id: id.optional() }).strict().default({}), STAFF),
  'locations.list': call<{ items: Location[] }>()(
    z.object({ siteId: id.optional() }).strict().default({}),
    REGISTER_READERS,
  ),
  'locations.create': call<Location>()(
    z
      .object({
        name: trimmed(120, 'Location name'),
        kind: z.enum(LOCATION_KINDS).default('room'),
        siteId: id.optional(),
        parentId: id.nullable().optional(),
        address: z.string().trim().max(500).optional(),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'locations.update': call<Location>()(
    z
      .object({
        id,
        fields: z
          .object({
            name: trimmed(120, 'Location name'),
            kind: z.enum(LOCATION_KINDS),
            parentId: id.nullable(),
            address: z.string().trim().max(500).nullable(),
          })
          .partial()
          .strict(),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'assets.fieldDefs': call<{ items: CategoryFields[] }>()(z.object({}).strict().default({}), REGISTER_READERS),
  /** Replaces one category's field list (an empty list removes it). Values already stored are kept. */
  'assets.saveFieldDefs': call<CategoryFields>()(
    z
      .object({
        category: trimmed(120, 'Category'),
        fields: z
          .array(
            z
              .object({
                key: z
                  .string()
                  .trim()
                  .min(1)
                  .max(64)
                  .regex(/^[A-Za-z][\w .-]*$/, { message: 'A field key starts with a letter and uses letters, digits, spaces, . _ or -.' }),
                label: trimmed(120, 'Label'),
                type: z.enum(CUSTOM_FIELD_TYPES),
                required: z.boolean().default(false),
              })
              .strict(),
          )
          .max(50),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  /** Per-site agent tokens for the inventory endpoint (POST /inventory/agent?token=… on the host). */
  'inventory.tokens': call<{ items: AgentToken[] }>()(z.object({}).strict().default({}), ADMIN),
  'inventory.rotateToken': call<AgentToken>()(z.object({ siteId: id }).strict(), ADMIN, { mutates: true }),
};

export type { AssetStatus, AssetType, LocationKind, RelationKind };
