/** Compliance assessments: a framework assessed for a site or the whole team, one result per requirement. */
import { z } from 'zod';
import { call, type Role } from './contract';
import { id } from './common';
import { GRC_READERS, type FrameworkInfo } from './grc';
import { REQUIREMENT_RESULTS, ASSESSMENT_STATUSES, type RequirementResult } from '../grc/matrix';

/** Auditors run assessments (and administrators); technicians read them. */
export const ASSESSORS: readonly Role[] = ['admin', 'auditor'];

export type ResultCounts = Record<RequirementResult, number>;

export interface Progress {
  /** Assessable requirements with a result other than not assessed. */
  assessed: number;
  total: number;
  counts: ResultCounts;
  /** Share of applicable assessed requirements met (compliant 1, partially 0.5), 0–100; null before any. */
  compliance: number | null;
  /** Mean score of the scored requirements; null when none. */
  score: number | null;
}

export interface GroupProgress extends Progress {
  /** The function (depth 1) or category (depth 2) node. */
  requirementId: string;
  refId: string | null;
  name: string | null;
  depth: number;
}

export interface RequirementResultInfo {
  requirementId: string;
  refId: string | null;
  result: RequirementResult;
  score: number | null;
  observation: string | null;
  updatedAt: string;
}

export interface AssessmentSummary {
  id: string;
  name: string;
  frameworkId: string;
  frameworkName: string;
  siteId: string;
  status: (typeof ASSESSMENT_STATUSES)[number];
  startedById: string;
  startedByName: string | null;
  createdAt: string;
  progress: Progress;
}

export interface Assessment extends AssessmentSummary {
  framework: FrameworkInfo;
  /** Per function (depth 1) and category (depth 2), in framework order. */
  groups: GroupProgress[];
  results: RequirementResultInfo[];
}

export const assessmentsCalls = {
  'assessments.start': call<{ id: string; total: number }>()(
    z
      .object({ frameworkId: id, siteId: z.string().min(1).max(80).optional(), name: z.string().trim().min(1).max(300).optional() })
      .strict(),
    ASSESSORS,
    { mutates: true },
  ),
  'assessments.assess': call<{ requirement: RequirementResultInfo; progress: Progress }>()(
    z
      .object({
        assessmentId: id,
        /** The requirement's ref_id in the framework (GV.OC-01), or its id. */
        ref: z.string().trim().min(1).max(200).optional(),
        requirementId: id.optional(),
        result: z.enum(REQUIREMENT_RESULTS, { message: `A result is one of ${REQUIREMENT_RESULTS.join(', ')}.` }),
        score: z.number().int().min(-1000).max(1000).nullable().optional(),
        observation: z.string().max(20_000).nullable().optional(),
      })
      .strict()
      .refine((v) => v.ref !== undefined || v.requirementId !== undefined, {
        message: 'Name the requirement: ref (its ref_id) or requirementId.',
        path: ['ref'],
      }),
    ASSESSORS,
    { mutates: true },
  ),
  'assessments.update': call<AssessmentSummary>()(
    z.object({ id, name: z.string().trim().min(1).max(300).optional(), status: z.enum(ASSESSMENT_STATUSES).optional() }).strict(),
    ASSESSORS,
    { mutates: true },
  ),
  'assessments.get': call<Assessment>()(z.object({ id }).strict(), GRC_READERS),
  'assessments.list': call<{ items: AssessmentSummary[] }>()(z.object({ frameworkId: id.optional() }).strict().default({}), GRC_READERS),
};
