/**
 * Reports on demand, as PDF or CSV: a service review for a period, the asset register and licence
 * compliance. Each carries the filters it was made with, when it was made, and the audit-chain head
 * at that moment, so a reader can tie the figures to the trail they came from (docs/kpis.md).
 */
import { z } from 'zod';
import { call } from './contract';
import { REGISTER_READERS, type ExportFile } from './assets';
import { KPI_READERS } from './kpis';
import { id } from './common';
import { GRC_READERS } from './grc';

export const REPORT_FORMATS = ['pdf', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
const format = z.enum(REPORT_FORMATS, { message: 'Choose pdf or csv.' });

export interface ReportFile extends ExportFile {
  /** The audit trail's newest hash when the report was made (null when the trail is empty or broken). */
  chainHead: string | null;
  /** When the report was made (the local clock). */
  producedAt: string;
  /** The filters it was made with, in words ("Site: Plant 2", "Period: …"). */
  filters: string[];
}

/** A service review covers a period (from inclusive, to exclusive): its figures sit beside the period of equal length before it. */
const instant = z.string().datetime({ offset: true, message: 'Give a date and time in ISO 8601 (2026-03-01T00:00:00Z).' });
export const serviceReviewInput = z
  .object({ from: instant, to: instant, siteId: id.optional(), groupId: id.optional(), format })
  .strict()
  .refine((v) => !v.from || !v.to || Date.parse(v.from) < Date.parse(v.to), { message: 'The period must end after it starts.', path: ['to'] });

export const reportsCalls = {
  /** KPIs for a period with the previous period beside them, trends per week, top categories, SLA breaches and major incidents. */
  'reports.serviceReview': call<ReportFile>()(serviceReviewInput, KPI_READERS),
  /** Licence compliance per product (seats in force, used, gap, exposure), as on the day it is made. */
  'reports.licenceCompliance': call<ReportFile>()(z.object({ format }).strict(), REGISTER_READERS),
  /** The asset register (every asset this device holds, or one site's), with counts by status and category. */
  'reports.assetRegister': call<ReportFile>()(z.object({ format, siteId: id.optional() }).strict(), REGISTER_READERS),
  /** The risk register: counts and every risk with its levels as PDF; every risk in the import's columns as CSV. */
  'reports.riskRegister': call<ReportFile>()(z.object({ format }).strict(), GRC_READERS),
  /** One assessment's results: the evidence pack's report as PDF; the result of every assessable requirement as CSV. */
  'reports.assessment': call<ReportFile>()(z.object({ assessmentId: id, format }).strict(), GRC_READERS),
};
