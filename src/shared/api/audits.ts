/** Physical inventory audits: a scan session per location, reconciliation and evidence. */
import { z } from 'zod';
import { call } from './contract';
import { id } from './common';
import { REGISTER_READERS, type ExportFile } from './assets';

/** Auditors run audits; so do staff. */
export const AUDIT_ROLES = REGISTER_READERS;

export const SCAN_RESULTS = ['found', 'unexpected', 'unknown', 'duplicate'] as const;
export type ScanResult = (typeof SCAN_RESULTS)[number];

export interface AuditCounts {
  expected: number;
  found: number;
  missing: number;
  unexpected: number;
  unknown: number;
  duplicate: number;
}

export interface AuditSession {
  id: string;
  locationId: string;
  locationName: string;
  locationPath: string;
  includeSubLocations: boolean;
  status: 'open' | 'closed';
  startedAt: string;
  startedById: string;
  startedByName: string;
  closedAt: string | null;
  signedOffBy: string | null;
  signOffNote: string | null;
  counts: AuditCounts;
}

export interface AuditScan {
  id: string;
  at: string;
  tag: string;
  result: ScanResult;
  assetId: string | null;
  assetName: string | null;
  /** Where the register had it (for unexpected). */
  registeredLocation: string | null;
  relocated: boolean;
  auditorName: string;
}

export interface ExpectedAsset {
  assetId: string;
  tag: string;
  name: string;
  locationName: string | null;
  foundAt: string | null;
}

export interface AuditDetail extends AuditSession {
  expected: ExpectedAsset[];
  scans: AuditScan[];
}

export const auditsCalls = {
  'audits.list': call<{ items: AuditSession[] }>()(
    z.object({ status: z.enum(['open', 'closed']).optional() }).strict().default({}),
    AUDIT_ROLES,
  ),
  /** Opens a session; `expected` is the number of assets the register places there. */
  'audits.start': call<{ id: string; expected: number; session: AuditSession }>()(
    z
      .object({
        locationId: id,
        includeSubLocations: z.boolean().default(true),
      })
      .strict(),
    AUDIT_ROLES,
    { mutates: true },
  ),
  'audits.get': call<AuditDetail>()(z.object({ id }).strict(), AUDIT_ROLES),
  'audits.scan': call<{ result: ScanResult; scan: AuditScan; counts: AuditCounts }>()(
    z.object({ auditId: id, tag: z.string().trim().min(1, { message: 'The scan was empty.' }).max(64) }).strict(),
    AUDIT_ROLES,
    { mutates: true },
  ),
  /** Removes the most recent scan of this session (not yet undone). */
  'audits.undo': call<{ undone: AuditScan | null; counts: AuditCounts }>()(z.object({ auditId: id }).strict(), AUDIT_ROLES, { mutates: true }),
  /** One-click relocate of an unexpected asset into the audited location. Staff and auditors. */
  'audits.relocate': call<{ scan: AuditScan; counts: AuditCounts }>()(z.object({ auditId: id, scanId: id }).strict(), AUDIT_ROLES, { mutates: true }),
  'audits.close': call<AuditCounts & { session: AuditSession }>()(
    z
      .object({
        auditId: id,
        signedOffBy: z.string().trim().min(1).max(200).optional(),
        note: z.string().trim().max(5000).optional(),
        /** Months until the next audit of the found assets (default 12). */
        nextAuditMonths: z.number().int().min(1).max(120).default(12),
      })
      .strict(),
    AUDIT_ROLES,
    { mutates: true },
  ),
  /** Reconciliation report with the audit-chain head printed on it. */
  'audits.report': call<ExportFile & { chainHead: string | null }>()(
    z.object({ auditId: id, format: z.enum(['csv', 'pdf']) }).strict(),
    AUDIT_ROLES,
  ),
};
