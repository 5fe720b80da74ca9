/**
 * Risk matrices as CISO Assistant libraries describe them: probability and impact scales, risk
 * levels with colours, and a grid (probability × impact → risk level index). A risk's level is
 * always read from the grid, never stored: `levelAt(m, likelihood, impact)` with 1-based positions.
 */
import { z } from 'zod';

const hex = z.string().regex(/^#[0-9a-fA-F]{3,8}$/, { message: 'Colours look like #F87171.' });

export const matrixLevel = z
  .object({
    abbreviation: z.string().max(20),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).nullable(),
    hexcolor: hex.nullable(),
  })
  .strict();
export type MatrixLevel = z.infer<typeof matrixLevel>;

/** A matrix's definition as stored (risk_matrices.definition, JSON). */
export const matrixDefinition = z
  .object({
    probability: z.array(matrixLevel).min(1).max(20),
    impact: z.array(matrixLevel).min(1).max(20),
    risk: z.array(matrixLevel).min(1).max(20),
    grid: z.array(z.array(z.number().int().min(0))),
  })
  .strict()
  .superRefine((d, c) => {
    if (d.grid.length !== d.probability.length)
      c.addIssue({
        code: 'custom',
        message: `The grid has ${d.grid.length} rows; the matrix has ${d.probability.length} probability levels.`,
      });
    d.grid.forEach((row, i) => {
      if (row.length !== d.impact.length)
        c.addIssue({
          code: 'custom',
          message: `Grid row ${i + 1} has ${row.length} cells; the matrix has ${d.impact.length} impact levels.`,
        });
      row.forEach((v, j) => {
        if (v >= d.risk.length)
          c.addIssue({
            code: 'custom',
            message: `Grid cell (${i + 1}, ${j + 1}) names risk level ${v}; the matrix has ${d.risk.length} (0 to ${d.risk.length - 1}).`,
          });
      });
    });
  });
export type MatrixDefinition = z.infer<typeof matrixDefinition>;

export interface RiskLevel {
  /** Index into the matrix's risk levels (higher is worse). */
  index: number;
  abbreviation: string;
  name: string;
  hexcolor: string | null;
}

/** The level of a (likelihood, impact) pair, 1-based positions on the scales; null when either is unset or off the scale. */
export function levelAt(m: MatrixDefinition, likelihood: number | null | undefined, impact: number | null | undefined): RiskLevel | null {
  if (likelihood == null || impact == null) return null;
  const idx = m.grid[likelihood - 1]?.[impact - 1];
  if (idx === undefined) return null;
  const r = m.risk[idx];
  if (!r) return null;
  return { index: idx, abbreviation: r.abbreviation, name: r.name, hexcolor: r.hexcolor };
}

/** The stored definition, parsed (a damaged one reads as null rather than failing a whole list). */
export function parseDefinition(json: string): MatrixDefinition | null {
  try {
    const r = matrixDefinition.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export const RISK_STATUSES = ['identified', 'assessed', 'treating', 'accepted', 'closed'] as const;
export type RiskStatus = (typeof RISK_STATUSES)[number];
export const RISK_TREATMENTS = ['mitigate', 'accept', 'transfer', 'avoid'] as const;
export type RiskTreatment = (typeof RISK_TREATMENTS)[number];
export const RISK_STAGES = ['inherent', 'current', 'residual'] as const;
export type RiskStage = (typeof RISK_STAGES)[number];
export const CONTROL_STATUSES = ['planned', 'active', 'deprecated'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];
export const CONTROL_EFFORTS = ['S', 'M', 'L', 'XL'] as const;
export const REQUIREMENT_RESULTS = ['compliant', 'partially_compliant', 'non_compliant', 'not_applicable', 'not_assessed'] as const;
export type RequirementResult = (typeof REQUIREMENT_RESULTS)[number];
export const ASSESSMENT_STATUSES = ['in_progress', 'done'] as const;
