/**
 * Sync rules for governance, risk and compliance (issue 11): risk matrices and frameworks (team-wide,
 * administrators import them), the risk register and its children (staff), applied controls (a
 * team-wide catalogue staff keep), and compliance assessments (auditors and administrators).
 * Requesters receive none of it; auditors read it all. Merged into ENTITY_RULES (entities.ts).
 */
import { z } from 'zod';
import {
  ASSESSMENT_STATUSES,
  CONTROL_EFFORTS,
  CONTROL_STATUSES,
  REQUIREMENT_RESULTS,
  RISK_STAGES,
  RISK_STATUSES,
  RISK_TREATMENTS,
  matrixDefinition,
} from '../grc/matrix';
import { numberOrProvisional } from '../numbers';
import { CVE_ID } from '../grc/cve';
import type { EntityRule, WriterRole } from './entity-rule';

const id = z.string().min(1).max(80);
const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const bool01 = z.union([z.literal(0), z.literal(1), z.boolean()]).transform((v) => (v === true ? 1 : v === false ? 0 : v));
const optDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Dates look like 2026-03-31.' })
  .nullable();
/** A 1-based position on a matrix scale (probability or impact). */
const position = z.number().int().min(1, { message: 'Positions on a matrix scale start at 1.' }).max(20).nullable();
const definitionText = z
  .string()
  .max(200_000)
  .refine(
    (s) => {
      try {
        return matrixDefinition.safeParse(JSON.parse(s)).success;
      } catch {
        return false;
      }
    },
    { message: 'A matrix definition is JSON with probability, impact, risk and a grid that fits them.' },
  );
const scoresText = z
  .string()
  .max(100_000)
  .refine(
    (s) => {
      try {
        const v = JSON.parse(s) as unknown;
        return (
          Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && Number.isInteger((x as { score?: unknown }).score))
        );
      } catch {
        return false;
      }
    },
    { message: 'Scores are a JSON list of { score, name, description }.' },
  );

/** `<stage>_likelihood` and `<stage>_impact` for each stage: the risk's six score fields, described once. */
const stageFields = Object.fromEntries(
  RISK_STAGES.flatMap((s) => [
    [`${s}_likelihood`, position],
    [`${s}_impact`, position],
  ]),
) as Record<`${(typeof RISK_STAGES)[number]}_${'likelihood' | 'impact'}`, typeof position>;
/** A history record's from and to scores. */
const historyFields = Object.fromEntries(
  (['from', 'to'] as const).flatMap((e) => [
    [`${e}_likelihood`, position],
    [`${e}_impact`, position],
  ]),
) as Record<`${'from' | 'to'}_${'likelihood' | 'impact'}`, typeof position>;

const ADMIN_ONLY: readonly WriterRole[] = ['admin'];
const STAFF: readonly WriterRole[] = ['admin', 'technician'];
/** Assessments are the auditor's work (and an administrator's). */
const ASSESSORS: readonly WriterRole[] = ['admin', 'auditor'];

export const GRC_ENTITY_RULES: Record<string, EntityRule> = {
  risk_matrices: {
    home: 'global',
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: {
      urn: str(400).min(1),
      version: z.number().int().min(0).max(1_000_000),
      name: str(300).min(1),
      description: optStr(5000),
      provider: optStr(200),
      definition: definitionText,
    },
  },
  frameworks: {
    home: 'global',
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: {
      urn: str(400).min(1),
      version: z.number().int().min(0).max(1_000_000),
      ref_id: optStr(200),
      name: str(300).min(1),
      description: optStr(20_000),
      provider: optStr(200),
      min_score: z.number().int().min(-1000).max(1000).nullable(),
      max_score: z.number().int().min(-1000).max(1000).nullable(),
      scores_definition: scoresText.nullable(),
      requirement_count: z.number().int().min(0).max(100_000),
      assessable_count: z.number().int().min(0).max(100_000),
    },
  },
  framework_requirements: {
    home: 'global',
    merge: 'record',
    writers: ADMIN_ONLY,
    fields: {
      framework_id: id,
      urn: str(400).min(1),
      parent_urn: optStr(400),
      ref_id: optStr(200),
      name: optStr(2000),
      description: optStr(50_000),
      assessable: bool01,
      depth: z.number().int().min(0).max(100),
      position: z.number().int().min(0).max(1_000_000),
    },
  },
  risks: {
    home: 'site',
    // former_number: set by the server alone when it renumbers a risk (as for tickets).
    fixed: ['number', 'former_number'],
    merge: 'record',
    writers: STAFF,
    textFields: ['description', 'threats', 'vulnerabilities', 'existing_controls', 'acceptance_justification'],
    fields: {
      number: z.string().regex(numberOrProvisional(['RSK']), { message: 'Risk numbers look like RSK-0001 (or RSK-P-3F9A2C-1 while provisional).' }),
      former_number: str(40).nullable(),
      title: str(300).min(1),
      description: optStr(50_000),
      category: optStr(120),
      owner_id: id.nullable(),
      status: z.enum(RISK_STATUSES, { message: `A risk's status is one of ${RISK_STATUSES.join(', ')}.` }),
      matrix_id: id,
      ...stageFields,
      threats: optStr(20_000),
      vulnerabilities: optStr(20_000),
      existing_controls: optStr(20_000),
      treatment: z.enum(RISK_TREATMENTS).nullable(),
      acceptance_approver_id: id.nullable(),
      acceptance_justification: optStr(20_000),
      acceptance_expires_on: optDay,
      review_every_days: z.number().int().min(1).max(3660).nullable(),
      last_reviewed_on: optDay,
    },
  },
  risk_score_history: {
    home: 'site',
    identity: ['actor_id'],
    merge: 'append',
    parent: { field: 'risk_id', entity: 'risks' },
    writers: STAFF,
    fields: {
      risk_id: id,
      actor_id: id,
      stage: z.enum(RISK_STAGES),
      ...historyFields,
      reason: optStr(5000),
    },
  },
  risk_assets: {
    home: 'site',
    merge: 'set',
    parent: { field: 'risk_id', entity: 'risks' },
    writers: STAFF,
    fields: { risk_id: id, asset_id: id },
  },
  risk_locations: {
    home: 'site',
    merge: 'set',
    parent: { field: 'risk_id', entity: 'risks' },
    writers: STAFF,
    fields: { risk_id: id, location_id: id },
  },
  // A ticket linked to a risk (an incident that argues its likelihood, a change that treats it), from either side.
  risk_tickets: {
    home: 'site',
    merge: 'set',
    parent: { field: 'risk_id', entity: 'risks' },
    writers: STAFF,
    fields: { risk_id: id, ticket_id: id },
  },
  // A known exploited vulnerability of an affected asset that the risk is about: the CVE as CISA's
  // KEV catalogue names it (the catalogue itself is device-local reference data, read on each device).
  risk_vulnerabilities: {
    home: 'site',
    merge: 'set',
    parent: { field: 'risk_id', entity: 'risks' },
    writers: STAFF,
    fields: { risk_id: id, asset_id: id, cve_id: z.string().regex(CVE_ID, { message: 'A CVE id looks like CVE-2024-3400.' }) },
  },
  risk_controls: {
    home: 'site',
    merge: 'set',
    parent: { field: 'risk_id', entity: 'risks' },
    writers: STAFF,
    fields: { risk_id: id, control_id: id },
  },
  applied_controls: {
    home: 'global',
    globalWriters: STAFF,
    merge: 'record',
    writers: STAFF,
    textFields: ['description'],
    fields: {
      name: str(300).min(1),
      description: optStr(20_000),
      category: optStr(120),
      owner_id: id.nullable(),
      status: z.enum(CONTROL_STATUSES, { message: `A control's status is one of ${CONTROL_STATUSES.join(', ')}.` }),
      due_on: optDay,
      effort: z.enum(CONTROL_EFFORTS).nullable(),
      cost: z.number().min(0).max(1e12).nullable(),
    },
  },
  control_tickets: {
    home: 'global',
    globalWriters: STAFF,
    merge: 'set',
    parent: { field: 'control_id', entity: 'applied_controls' },
    writers: STAFF,
    fields: { control_id: id, ticket_id: id },
  },
  // A site's assessment lives in the site; a team-wide one in global, where auditors may write it.
  assessments: {
    home: 'any',
    globalWriters: ['auditor'],
    identity: ['started_by_id'],
    merge: 'record',
    writers: ASSESSORS,
    fields: { framework_id: id, name: str(300).min(1), status: z.enum(ASSESSMENT_STATUSES), started_by_id: id },
  },
  requirement_assessments: {
    home: 'any',
    globalWriters: ['auditor'],
    merge: 'record',
    parent: { field: 'assessment_id', entity: 'assessments' },
    writers: ASSESSORS,
    textFields: ['observation'],
    fields: {
      assessment_id: id,
      requirement_id: id,
      result: z.enum(REQUIREMENT_RESULTS, { message: `A result is one of ${REQUIREMENT_RESULTS.join(', ')}.` }),
      score: z.number().int().min(-1000).max(1000).nullable(),
      observation: optStr(20_000),
    },
  },
};
