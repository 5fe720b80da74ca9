/** Governance libraries: risk matrices and compliance frameworks imported from CISO Assistant libraries. */
import { z } from 'zod';
import { call, ADMIN, type Role } from './contract';
import { id } from './common';
import type { MatrixDefinition } from '../grc/matrix';

/** Everyone but requesters reads the team's GRC work. */
export const GRC_READERS: readonly Role[] = ['admin', 'technician', 'auditor'];

export interface RiskMatrixInfo {
  id: string;
  urn: string;
  version: number;
  name: string;
  description: string | null;
  provider: string | null;
  definition: MatrixDefinition;
  /** The matrix new risks use unless another is chosen. */
  isDefault: boolean;
}

/** One site's risk register: the matrix its new risks are scored on. */
export interface RegisterInfo {
  siteId: string;
  siteName: string;
  /** The register's matrix: the one chosen for it, else the team's (null before any matrix exists). */
  matrixId: string | null;
  matrixName: string | null;
  /** Whether an administrator chose this register's matrix (else it follows the team's). */
  chosen: boolean;
  risks: number;
  /** Risks of the register still scored on another matrix: they keep it until re-scored. */
  risksOnOtherMatrices: number;
}

export interface ScoreDefinition {
  score: number;
  name: string;
  description: string | null;
}

export interface FrameworkInfo {
  id: string;
  urn: string;
  version: number;
  refId: string | null;
  name: string;
  description: string | null;
  provider: string | null;
  minScore: number | null;
  maxScore: number | null;
  scores: ScoreDefinition[] | null;
  /** Requirement nodes, and how many of them are assessable. */
  requirements: number;
  assessable: number;
}

export interface RequirementNode {
  id: string;
  urn: string;
  parentUrn: string | null;
  refId: string | null;
  name: string | null;
  description: string | null;
  assessable: boolean;
  depth: number;
}

export interface ImportLibraryResult {
  kind: 'framework' | 'risk_matrix';
  id: string;
  name: string;
  version: number;
  /** created: new; updated: a newer version replaced the stored one; unchanged: this version was already imported. */
  outcome: 'created' | 'updated' | 'unchanged';
  /** Frameworks: requirement nodes and assessable ones. */
  requirements?: number;
  assessable?: number;
  /** Risk matrices: how many the library held (all imported; id and name are the first's). */
  matrices?: number;
}

export const grcCalls = {
  'grc.importLibrary': call<ImportLibraryResult>()(
    z
      .object({
        content: z
          .string()
          .min(1, { message: 'The library is empty.' })
          .max(20 * 1024 * 1024),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  /** Imports the 5×5 matrix Outpost ships with, when the team has no matrix yet. */
  /** The matrix the team's register scores new risks on (isDefault in grc.matrices). */
  'grc.setTeamMatrix': call<{ items: RiskMatrixInfo[] }>()(z.object({ matrixId: id }).strict(), ADMIN, { mutates: true }),
  'grc.useDefaultMatrix': call<RiskMatrixInfo>()(z.object({}).strict().default({}), ADMIN, { mutates: true }),
  /** The registers (one per site) the person reads, each with its matrix. */
  'grc.registers': call<{ items: RegisterInfo[] }>()(z.object({}).strict().default({}), GRC_READERS),
  /** Scores a site's new risks on a matrix; says what happens to the risks already in it. */
  'grc.setRegisterMatrix': call<{ register: RegisterInfo; message: string }>()(
    z.object({ siteId: z.string().min(1).max(80), matrixId: id }).strict(),
    ADMIN,
    { mutates: true },
  ),
  'grc.matrices': call<{ items: RiskMatrixInfo[] }>()(z.object({}).strict().default({}), GRC_READERS),
  'grc.frameworks': call<{ items: FrameworkInfo[] }>()(z.object({}).strict().default({}), GRC_READERS),
  'grc.framework': call<{ framework: FrameworkInfo; nodes: RequirementNode[] }>()(z.object({ id }).strict(), GRC_READERS),
};
