/** The risk register: risks scored on a matrix (levels derived from its grid), treatment, acceptance, reviews. */
import { z } from 'zod';
import { call, STAFF } from './contract';
import { id, trimmed } from './common';
import { CVE_ID } from '../grc/cve';
import { GRC_READERS } from './grc';
import {
  RISK_STAGES,
  RISK_STATUSES,
  RISK_TREATMENTS,
  type RiskStage,
  type RiskStatus,
  type RiskTreatment,
  type ControlStatus,
} from '../grc/matrix';

export interface LevelInfo {
  index: number;
  abbreviation: string;
  name: string;
  hexcolor: string | null;
}

/** A score on the risk's matrix: 1-based positions and the level the grid gives them (null when unscored). */
export interface RiskScore {
  likelihood: number | null;
  impact: number | null;
  level: LevelInfo | null;
}

export interface RiskSummary {
  id: string;
  number: string;
  /** The number the risk was shown with before the server renumbered it (a provisional one); still finds it. */
  formerNumber: string | null;
  title: string;
  category: string | null;
  status: RiskStatus;
  treatment: RiskTreatment | null;
  ownerId: string | null;
  ownerName: string | null;
  siteId: string;
  matrixId: string;
  inherent: RiskScore;
  current: RiskScore;
  residual: RiskScore;
  reviewOverdue: boolean;
  acceptanceExpired: boolean;
  updatedAt: string;
}

export interface RiskHistoryEntry {
  id: string;
  at: string;
  actorId: string;
  actorName: string | null;
  stage: RiskStage;
  from: RiskScore;
  to: RiskScore;
  reason: string | null;
}

export interface RiskControl {
  id: string;
  name: string;
  status: ControlStatus;
  dueOn: string | null;
}

export interface Risk extends RiskSummary {
  description: string | null;
  threats: string | null;
  vulnerabilities: string | null;
  existingControls: string | null;
  acceptance: { approverId: string | null; approverName: string | null; justification: string | null; expiresOn: string | null };
  reviewEveryDays: number | null;
  lastReviewedOn: string | null;
  nextReviewOn: string | null;
  assets: { id: string; tag: string; name: string }[];
  locations: { id: string; name: string }[];
  controls: RiskControl[];
  /** Known exploited vulnerabilities of its assets the risk is about, with the KEV catalogue's data on this device (null when it lacks the CVE). */
  kev: RiskKev[];
  /** Tickets linked to the risk (from either side). */
  tickets: RiskTicket[];
  /** Incidents on the risk's affected assets opened in the last 90 days: the evidence for its likelihood. */
  incidents: { count: number; since: string; items: RiskTicket[] };
  history: RiskHistoryEntry[];
  createdAt: string;
}

export interface RiskTicket {
  id: string;
  number: string;
  type: 'incident' | 'request';
  title: string;
  status: string;
  openedAt: string;
  /** For an incident on an affected asset: that asset's tag. */
  assetTag?: string | null;
}

/** A KEV exposure of an asset linked to a risk. */
export interface RiskKev {
  assetId: string;
  assetTag: string;
  assetName: string;
  cveId: string;
  vendorProject: string | null;
  product: string | null;
  vulnerabilityName: string | null;
  dateAdded: string | null;
  dueDate: string | null;
  knownRansomware: boolean | null;
}

/** What "Raise a risk" from a KEV-exposed asset fills in. */
export interface RiskDraft {
  title: string;
  threats: string;
  vulnerabilities: string;
  assetIds: string[];
  /** The exposure the risk is raised for: linked together with the risk. */
  kev: { assetId: string; cveId: string }[];
  siteId: string | null;
}

/** One asset's KEV exposures a risk covers. */
export interface KevCoverage {
  cveId: string;
  riskId: string;
  number: string;
  title: string;
  status: RiskStatus;
}

export const cveId = z.string().trim().regex(CVE_ID, { message: 'A CVE id looks like CVE-2024-3400.' });
const kevLink = z.object({ assetId: id, cveId }).strict();

const pos = z.number().int().min(1, { message: 'Positions on a matrix scale start at 1.' }).max(20);
export const scoreInput = z.object({ likelihood: pos, impact: pos }).strict();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Dates look like 2026-03-31.' });
const longText = (max: number) => z.string().max(max).nullable().optional();

const riskFields = {
  description: longText(50_000),
  category: z.string().trim().max(120).nullable().optional(),
  ownerId: id.nullable().optional(),
  status: z.enum(RISK_STATUSES).optional(),
  threats: longText(20_000),
  vulnerabilities: longText(20_000),
  existingControls: longText(20_000),
  treatment: z.enum(RISK_TREATMENTS).nullable().optional(),
  reviewEveryDays: z.number().int().min(1).max(3660).nullable().optional(),
  acceptance: z
    .object({ approverId: id.nullable(), justification: z.string().trim().max(20_000).nullable(), expiresOn: day.nullable() })
    .strict()
    .optional(),
  inherent: scoreInput.nullable().optional(),
  current: scoreInput.nullable().optional(),
  residual: scoreInput.nullable().optional(),
};

export const riskCreate = z
  .object({
    title: trimmed(300, 'Title'),
    /** The matrix to score on; the team's default when omitted. */
    matrixId: id.optional(),
    siteId: z.string().min(1).max(80).optional(),
    ...riskFields,
    assetIds: z.array(id).max(500).optional(),
    locationIds: z.array(id).max(500).optional(),
    controlIds: z.array(id).max(500).optional(),
    /** KEV exposures of assets the risk is about (each asset is linked as affected too). */
    kev: z.array(kevLink).max(100).optional(),
  })
  .strict();

export const riskUpdate = z
  .object({
    id,
    title: trimmed(300, 'Title').optional(),
    matrixId: id.optional(),
    ...riskFields,
    /** Why the scores changed: kept in the risk's history. */
    reason: z.string().trim().max(5000).optional(),
  })
  .strict();

export const riskCell = z.object({ stage: z.enum(RISK_STAGES), likelihood: pos, impact: pos }).strict();

export const riskFilter = z
  .object({
    q: z.string().trim().max(200).optional(),
    status: z.array(z.enum(RISK_STATUSES)).max(5).optional(),
    siteId: z.string().min(1).max(80).optional(),
    ownerId: id.optional(),
    matrixId: id.optional(),
    treatment: z.enum(RISK_TREATMENTS).optional(),
    /** Risks in one heat map cell. */
    cell: riskCell.optional(),
    reviewOverdue: z.boolean().optional(),
    /** Accepted risks whose acceptance expires on or after this day (with acceptanceExpiresBefore: a range). */
    acceptanceExpiresFrom: day.optional(),
    /** Accepted risks whose acceptance expires before this day (expired ones included unless acceptanceExpiresFrom says otherwise). */
    acceptanceExpiresBefore: day.optional(),
    assetId: id.optional(),
    controlId: id.optional(),
  })
  .strict();
export type RiskFilter = z.infer<typeof riskFilter>;

export interface HeatMap {
  matrixId: string;
  /** counts[stage][likelihood-1][impact-1]. */
  counts: Record<RiskStage, number[][]>;
}

/** What a column of a risk import can hold. Levels are not among them: they always come from the matrix. */
export const RISK_IMPORT_FIELDS = [
  'title',
  'description',
  'category',
  'status',
  'treatment',
  'owner',
  'inherent_likelihood',
  'inherent_impact',
  'current_likelihood',
  'current_impact',
  'residual_likelihood',
  'residual_impact',
  'threats',
  'vulnerabilities',
  'existing_controls',
  'review_every_days',
  'last_reviewed_on',
  'acceptance_approver',
  'acceptance_justification',
  'acceptance_expires_on',
  'matrix',
  'site',
] as const;
export type RiskImportField = (typeof RISK_IMPORT_FIELDS)[number];

/** Each field's column header: what an export writes and an import recognises. */
export const RISK_FIELD_HEADERS: Record<RiskImportField, string> = {
  title: 'Title',
  description: 'Description',
  category: 'Category',
  status: 'Status',
  treatment: 'Treatment',
  owner: 'Owner',
  inherent_likelihood: 'Inherent likelihood',
  inherent_impact: 'Inherent impact',
  current_likelihood: 'Current likelihood',
  current_impact: 'Current impact',
  residual_likelihood: 'Residual likelihood',
  residual_impact: 'Residual impact',
  threats: 'Threats',
  vulnerabilities: 'Vulnerabilities',
  existing_controls: 'Existing controls',
  review_every_days: 'Review every (days)',
  last_reviewed_on: 'Last reviewed on',
  acceptance_approver: 'Acceptance approver',
  acceptance_justification: 'Acceptance justification',
  acceptance_expires_on: 'Acceptance expires on',
  matrix: 'Matrix',
  site: 'Site',
};

export interface RiskExportFile {
  filename: string;
  mime: string;
  /** Text for CSV; base64 for a workbook. */
  content: string;
  encoding: 'utf-8' | 'base64';
  rows: number;
}

export interface RiskImportPreview {
  /** 1-based data row of the file. */
  row: number;
  title: string;
  status: RiskStatus;
  inherent: RiskScore;
  current: RiskScore;
  residual: RiskScore;
}

export interface RiskImportResult {
  format: 'csv' | 'xlsx';
  /** The text encoding read (CSV), or null for a workbook. */
  encoding: string | null;
  headers: string[];
  /** header → field as used (the one given, or the one suggested from the header names). */
  mapping: Record<string, RiskImportField>;
  /** Headers not imported. */
  ignored: string[];
  rows: number;
  /** Any error and nothing is written. */
  errors: { row: number; column: string; message: string }[];
  notes: string[];
  /** The first 200 rows as they would be raised, levels derived from the matrix. */
  preview: RiskImportPreview[];
  matrixId: string;
  dryRun: boolean;
  /** Risks raised (0 on a dry run or with any error). */
  created: number;
  numbers: { first: string; last: string } | null;
}

export const risksCalls = {
  /**
   * Risks from a CSV or an Excel workbook (first sheet), all or nothing: every row is checked first
   * and any error writes nothing. `dryRun` previews (with the suggested mapping when none is given).
   */
  'risks.import': call<RiskImportResult>()(
    z
      .object({
        content: z.string().max(32 * 1024 * 1024).optional(),
        contentBase64: z.string().max(45 * 1024 * 1024).optional(),
        mapping: z.record(z.string().max(200), z.enum(RISK_IMPORT_FIELDS, { message: `A column maps to one of ${RISK_IMPORT_FIELDS.join(', ')}.` })).optional(),
        matrixId: id.optional(),
        siteId: z.string().min(1).max(80).optional(),
        dryRun: z.boolean().default(false),
      })
      .strict()
      .refine((v) => v.content !== undefined || v.contentBase64 !== undefined, { message: 'Give the file as content or contentBase64.' }),
    STAFF,
    { mutates: true },
  ),
  /**
   * The register (or the risks a filter selects) as CSV or an Excel workbook, with the columns
   * risks.import reads: exported and imported again, it gives the same register.
   */
  'risks.export': call<RiskExportFile>()(
    z.object({ format: z.enum(['csv', 'xlsx']).default('csv'), filter: riskFilter.omit({ cell: true }).strict().default({}) }).strict(),
    GRC_READERS,
  ),
  'risks.create': call<Risk>()(riskCreate, STAFF, { mutates: true }),
  'risks.update': call<Risk>()(riskUpdate, STAFF, { mutates: true }),
  'risks.get': call<Risk>()(z.object({ id }).strict(), GRC_READERS),
  /** Pages in number order (newest first): pass the last page's nextCursor for the next one. */
  'risks.list': call<{ items: RiskSummary[]; total: number; nextCursor: string | null }>()(
    riskFilter
      .extend({
        limit: z.number().int().min(1).max(500, { message: 'A page holds at most 500 risks.' }).default(100),
        offset: z.number().int().min(0).max(10_000_000).default(0),
        cursor: z.string().max(100).nullable().optional(),
      })
      .strict()
      .default({ limit: 100, offset: 0 }),
    GRC_READERS,
  ),
  /** Risks a ticket is linked to (the ticket's side of the link). */
  'risks.forTicket': call<{ items: RiskSummary[] }>()(z.object({ ticketId: id }).strict(), GRC_READERS),
  /** The title, threat, vulnerability and asset of a risk raised from an asset's KEV exposure. */
  'risks.kevDraft': call<RiskDraft>()(kevLink, STAFF),
  /**
   * Links (or unlinks) a KEV exposure of an asset to a risk; the asset becomes an affected asset.
   * Refused for a CVE the KEV catalogue on this device does not find on the asset, unless already linked.
   */
  'risks.linkKev': call<Risk>()(z.object({ id, assetId: id, cveId, present: z.boolean().default(true) }).strict(), STAFF, { mutates: true }),
  /** The risks that cover each of an asset's KEV exposures (the asset page's side of the link). */
  'risks.kevCoverage': call<{ items: KevCoverage[] }>()(z.object({ assetId: id }).strict(), GRC_READERS),
  'risks.heatmap': call<HeatMap>()(riskFilter.omit({ cell: true }).strict().default({}), GRC_READERS),
  /** Records a review today (resets "review overdue"). */
  'risks.review': call<Risk>()(z.object({ id, note: z.string().trim().max(5000).optional() }).strict(), STAFF, { mutates: true }),
  /** Adds or removes an affected asset, a location, a treating control or a linked ticket. */
  'risks.link': call<Risk>()(
    z.object({ id, kind: z.enum(['asset', 'location', 'control', 'ticket']), targetId: id, present: z.boolean().default(true) }).strict(),
    STAFF,
    { mutates: true },
  ),
};
