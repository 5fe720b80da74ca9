/**
 * Figures about the registers beside the service desk's (docs/kpis.md, "Assets", "Risks",
 * "Compliance"): assets by status, category and site, warranties ending, licence shortfalls, end-of-life
 * and known-exploited exposure; risk reviews overdue and acceptances expiring; a compliance score per
 * framework function from the latest assessment. Each count carries what the dashboard needs to open
 * exactly the records it counts.
 */
import { z } from 'zod';
import { call } from './contract';
import { id } from './common';
import { KPI_READERS } from './kpis';
import type { AssetStatus } from '../assets/rules';

export interface Count<K = string> {
  key: K;
  label: string;
  count: number;
}

export interface AssetKpis {
  /** Assets not deleted. */
  total: number;
  byStatus: Count<AssetStatus>[];
  /** Top 15 categories; key null: no category. */
  byCategory: Count<string | null>[];
  bySite: Count<string>[];
  /** The day 90 days from today: assets whose warranty ended or ends before it (the asset list's "warranty before"). */
  warrantyHorizon: string;
  warrantyEnding: number;
  /** Products under-licensed today, and the seats they miss together. */
  licenceShortfalls: number;
  missingSeats: number;
  /** Assets running software past its end of life / exposed to a known exploited vulnerability (not marked unaffected). */
  eolAssets: number;
  kevAssets: number;
}

export interface RiskKpis {
  /** Risks not closed. */
  open: number;
  /** Open risks whose review is overdue (last review + cadence before today). */
  reviewsOverdue: number;
  /** Accepted risks whose acceptance expires within 30 days (from today; the day in `acceptanceHorizon` excluded), and those already expired. */
  acceptanceHorizon: string;
  acceptancesExpiring: number;
  acceptancesExpired: number;
  today: string;
}

export interface FunctionScore {
  /** The framework's top-level node (a NIST CSF function, an ISO clause…). */
  ref: string | null;
  name: string | null;
  assessable: number;
  compliant: number;
  partial: number;
  nonCompliant: number;
  notApplicable: number;
  notAssessed: number;
  /** (compliant + ½ partial) ÷ (compliant + partial + non-compliant), in %; null when nothing of it is assessed yet. */
  scorePercent: number | null;
}

export interface FrameworkScore {
  frameworkId: string;
  framework: string;
  /** The latest assessment of the framework (last changed), which the scores are read from. */
  assessmentId: string;
  assessment: string;
  updatedAt: string;
  scorePercent: number | null;
  functions: FunctionScore[];
}

const siteOnly = z.object({ siteId: id.optional() }).strict().default({});

export const registerKpisCalls = {
  'kpis.assets': call<AssetKpis>()(siteOnly, KPI_READERS),
  'kpis.risks': call<RiskKpis>()(siteOnly, KPI_READERS),
  'kpis.compliance': call<{ items: FrameworkScore[] }>()(siteOnly, KPI_READERS),
};
