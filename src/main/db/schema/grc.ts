/**
 * Governance, risk and compliance (synced): risk matrices and frameworks imported from libraries,
 * the risk register with its score history and links, applied controls, and compliance
 * assessments with one record per assessed requirement.
 */
import { sql } from 'drizzle-orm';
import { integer, real, sqliteTable, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';

/** A risk matrix from a library (team-wide). `definition` holds probability, impact, risk and grid as JSON. */
export const riskMatrices = sqliteTable(
  'risk_matrices',
  {
    ...syncedColumns(),
    urn: text('urn').notNull(),
    /** The library's version: a newer one replaces the stored matrix, the same one changes nothing. */
    version: integer('version').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    provider: text('provider'),
    definition: text('definition').notNull(),
  },
  (t) => [index('risk_matrices_urn_idx').on(t.urn)],
);

/** A compliance framework from a library (team-wide); its requirement nodes are records of their own. */
export const frameworks = sqliteTable(
  'frameworks',
  {
    ...syncedColumns(),
    urn: text('urn').notNull(),
    version: integer('version').notNull(),
    refId: text('ref_id'),
    name: text('name').notNull(),
    description: text('description'),
    provider: text('provider'),
    minScore: integer('min_score'),
    maxScore: integer('max_score'),
    /** JSON list of { score, name, description } or null when the framework defines no scores. */
    scoresDefinition: text('scores_definition'),
    /** Counts at import, so lists and starts need not count nodes. */
    requirementCount: integer('requirement_count').notNull(),
    assessableCount: integer('assessable_count').notNull(),
  },
  (t) => [index('frameworks_urn_idx').on(t.urn)],
);

export const frameworkRequirements = sqliteTable(
  'framework_requirements',
  {
    ...syncedColumns(),
    frameworkId: text('framework_id').notNull(),
    urn: text('urn').notNull(),
    parentUrn: text('parent_urn'),
    refId: text('ref_id'),
    name: text('name'),
    description: text('description'),
    assessable: integer('assessable').notNull(),
    depth: integer('depth').notNull(),
    /** Order in the library: the tree is shown in this order. */
    position: integer('position').notNull(),
  },
  (t) => [
    index('framework_requirements_fw_idx').on(t.frameworkId, t.position),
    index('framework_requirements_ref_idx').on(t.frameworkId, t.refId),
  ],
);

export const risks = sqliteTable(
  'risks',
  {
    ...syncedColumns(),
    number: text('number').notNull(),
    /** The number the risk was shown with before the server renumbered it (set by the server only); kept as an alias. */
    formerNumber: text('former_number'),
    title: text('title').notNull(),
    description: text('description'),
    category: text('category'),
    ownerId: text('owner_id'),
    status: text('status').notNull(),
    matrixId: text('matrix_id').notNull(),
    // Positions on the matrix's scales, 1-based; likelihood and impact are separate fields so two
    // people raising one each both survive the merge. Levels are derived from the grid on read.
    inherentLikelihood: integer('inherent_likelihood'),
    inherentImpact: integer('inherent_impact'),
    currentLikelihood: integer('current_likelihood'),
    currentImpact: integer('current_impact'),
    residualLikelihood: integer('residual_likelihood'),
    residualImpact: integer('residual_impact'),
    threats: text('threats'),
    vulnerabilities: text('vulnerabilities'),
    existingControls: text('existing_controls'),
    treatment: text('treatment'),
    acceptanceApproverId: text('acceptance_approver_id'),
    acceptanceJustification: text('acceptance_justification'),
    acceptanceExpiresOn: text('acceptance_expires_on'),
    reviewEveryDays: integer('review_every_days'),
    lastReviewedOn: text('last_reviewed_on'),
  },
  (t) => [
    uniqueIndex('risks_number_uq').on(t.number),
    index('risks_scope_idx').on(t.scopeId, t.number),
    index('risks_owner_idx').on(t.ownerId, t.number),
    // Live risks only (what every list reads): counts and pages walk these without touching rows.
    index('risks_live_idx').on(t.matrixId, t.number).where(sql`deleted_hlc IS NULL`),
    index('risks_live_status_idx').on(t.matrixId, t.status, t.number).where(sql`deleted_hlc IS NULL`),
    // The heat map reads every score of every live risk of a matrix from this index alone.
    index('risks_heat_idx')
      .on(t.matrixId, t.inherentLikelihood, t.inherentImpact, t.currentLikelihood, t.currentImpact, t.residualLikelihood, t.residualImpact, t.status)
      .where(sql`deleted_hlc IS NULL`),
    index('risks_former_number_idx').on(t.formerNumber),
  ],
);

/** Append-only: every score change with who and why. */
export const riskScoreHistory = sqliteTable(
  'risk_score_history',
  {
    ...syncedColumns(),
    riskId: text('risk_id').notNull(),
    actorId: text('actor_id').notNull(),
    /** inherent, current or residual. */
    stage: text('stage').notNull(),
    fromLikelihood: integer('from_likelihood'),
    fromImpact: integer('from_impact'),
    toLikelihood: integer('to_likelihood'),
    toImpact: integer('to_impact'),
    reason: text('reason'),
  },
  (t) => [index('risk_score_history_risk_idx').on(t.riskId, t.createdAt)],
);

/** Sets: a risk's affected assets, locations and the applied controls that treat it. */
export const riskAssets = sqliteTable(
  'risk_assets',
  { ...syncedColumns(), riskId: text('risk_id').notNull(), assetId: text('asset_id').notNull() },
  (t) => [uniqueIndex('risk_assets_uq').on(t.riskId, t.assetId), index('risk_assets_asset_idx').on(t.assetId)],
);
export const riskLocations = sqliteTable(
  'risk_locations',
  { ...syncedColumns(), riskId: text('risk_id').notNull(), locationId: text('location_id').notNull() },
  (t) => [uniqueIndex('risk_locations_uq').on(t.riskId, t.locationId)],
);
/** Known exploited vulnerabilities (a CVE on one of its assets) a risk is about: a set in the risk's site. */
export const riskVulnerabilities = sqliteTable(
  'risk_vulnerabilities',
  { ...syncedColumns(), riskId: text('risk_id').notNull(), assetId: text('asset_id').notNull(), cveId: text('cve_id').notNull() },
  (t) => [uniqueIndex('risk_vulnerabilities_uq').on(t.riskId, t.assetId, t.cveId), index('risk_vulnerabilities_asset_idx').on(t.assetId, t.cveId)],
);
/** Tickets linked to a risk (from the risk's page or the ticket's): a set in the risk's site. */
export const riskTickets = sqliteTable(
  'risk_tickets',
  { ...syncedColumns(), riskId: text('risk_id').notNull(), ticketId: text('ticket_id').notNull() },
  (t) => [uniqueIndex('risk_tickets_uq').on(t.riskId, t.ticketId), index('risk_tickets_ticket_idx').on(t.ticketId)],
);
export const riskControls = sqliteTable(
  'risk_controls',
  { ...syncedColumns(), riskId: text('risk_id').notNull(), controlId: text('control_id').notNull() },
  (t) => [uniqueIndex('risk_controls_uq').on(t.riskId, t.controlId), index('risk_controls_control_idx').on(t.controlId)],
);

/** The team's catalogue of applied controls (team-wide). */
export const appliedControls = sqliteTable(
  'applied_controls',
  {
    ...syncedColumns(),
    name: text('name').notNull(),
    description: text('description'),
    category: text('category'),
    ownerId: text('owner_id'),
    status: text('status').notNull(),
    dueOn: text('due_on'),
    effort: text('effort'),
    cost: real('cost'),
  },
  (t) => [index('applied_controls_name_idx').on(t.name)],
);

/** Tickets that implement a control: a set. */
export const controlTickets = sqliteTable(
  'control_tickets',
  { ...syncedColumns(), controlId: text('control_id').notNull(), ticketId: text('ticket_id').notNull() },
  (t) => [uniqueIndex('control_tickets_uq').on(t.controlId, t.ticketId)],
);

/** A compliance assessment of a framework for a site, or for the whole team (scope global). */
export const assessments = sqliteTable(
  'assessments',
  {
    ...syncedColumns(),
    frameworkId: text('framework_id').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    startedById: text('started_by_id').notNull(),
  },
  (t) => [index('assessments_fw_idx').on(t.frameworkId)],
);

/**
 * One requirement's result in one assessment: its own record (id from assessment and requirement),
 * so two auditors assessing different requirements offline both survive the merge.
 */
export const requirementAssessments = sqliteTable(
  'requirement_assessments',
  {
    ...syncedColumns(),
    assessmentId: text('assessment_id').notNull(),
    requirementId: text('requirement_id').notNull(),
    result: text('result').notNull(),
    score: integer('score'),
    observation: text('observation'),
  },
  (t) => [uniqueIndex('requirement_assessments_uq').on(t.assessmentId, t.requirementId)],
);
