/**
 * Assets, locations, installed software, licences, maintenance and physical audits (synced), plus
 * the reference catalogues (endoflife.date, CISA KEV) and inventory agent tokens (device-local).
 */
import { integer, real, sqliteTable, text, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';
import { users } from './directory';
import { tickets } from './tickets';

/** Site → building → room. The site is scope_id; parent_id null means directly under the site. */
export const locations = sqliteTable(
  'locations',
  {
    ...syncedColumns(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['building', 'floor', 'room', 'area'] }).notNull(),
    parentId: text('parent_id'),
    address: text('address'),
  },
  (t) => [index('locations_parent_idx').on(t.parentId), index('locations_scope_idx').on(t.scopeId, t.name)],
);

export const assets = sqliteTable(
  'assets',
  {
    ...syncedColumns(),
    tag: text('tag').notNull(),
    /** Upper-cased, trimmed tag: the unique key scanners and importers look up. */
    tagKey: text('tag_key').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    category: text('category'),
    manufacturer: text('manufacturer'),
    model: text('model'),
    modelNumber: text('model_number'),
    serial: text('serial'),
    uuid: text('uuid'),
    status: text('status', { enum: ['on_order', 'in_stock', 'deployed', 'in_repair', 'retired', 'disposed'] }).notNull(),
    /** The team's own status label (Snipe-IT's "Pending Diagnostics"), shown while it agrees with `status`. */
    statusLabel: text('status_label'),
    assignedToId: text('assigned_to_id').references(() => users.id),
    locationId: text('location_id').references(() => locations.id),
    /** Where the asset lives when nobody has it (Snipe-IT's default location): check-in returns it there. */
    homeLocationId: text('home_location_id').references(() => locations.id),
    checkedOutAt: text('checked_out_at'),
    expectedReturn: text('expected_return'),
    purchaseDate: text('purchase_date'),
    cost: real('cost'),
    supplier: text('supplier'),
    orderNumber: text('order_number'),
    warrantyEnd: text('warranty_end'),
    eolDate: text('eol_date'),
    lastAuditAt: text('last_audit_at'),
    nextAuditAt: text('next_audit_at'),
    lastInventoryAt: text('last_inventory_at'),
    notes: text('notes'),
    customFields: text('custom_fields').notNull().default('{}'),
    hardware: text('hardware'),
  },
  (t) => [
    uniqueIndex('assets_tag_uq').on(t.tagKey),
    index('assets_name_idx').on(t.name, t.id),
    index('assets_status_idx').on(t.status, t.tagKey),
    index('assets_scope_idx').on(t.scopeId, t.tagKey),
    index('assets_location_idx').on(t.locationId, t.tagKey),
    index('assets_assignee_idx').on(t.assignedToId, t.tagKey),
    index('assets_type_idx').on(t.type, t.tagKey),
    index('assets_category_idx').on(t.category, t.tagKey),
    index('assets_updated_idx').on(t.updatedAt, t.id),
    // Date sorts (none last) use expression indexes on coalesce(date, '9999-12-31'): they live in
    // a custom migration (assets_date_sort_indexes) because drizzle-kit splits expressions at commas.
    index('assets_status_name_idx').on(t.status, t.name, t.id),
    index('assets_serial_idx').on(t.serial),
    index('assets_uuid_idx').on(t.uuid),
  ],
);

/** Append-only: status changes, check-out/in and moves, field edits, inventory reports, audit marks. */
export const assetHistory = sqliteTable(
  'asset_history',
  {
    ...syncedColumns(),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    actorId: text('actor_id').notNull(),
    kind: text('kind', { enum: ['status', 'assignment', 'field', 'inventory', 'audit', 'vulnerability'] }).notNull(),
    field: text('field'),
    fromValue: text('from_value'),
    toValue: text('to_value'),
    reason: text('reason'),
    assignedToId: text('assigned_to_id'),
    locationId: text('location_id'),
    expectedReturn: text('expected_return'),
  },
  (t) => [index('asset_history_asset_idx').on(t.assetId, t.createdAt)],
);

/** Set rows: one per relation with its own add/remove clock. */
export const assetRelations = sqliteTable(
  'asset_relations',
  {
    ...syncedColumns(),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    otherId: text('other_id')
      .notNull()
      .references(() => assets.id),
    kind: text('kind', { enum: ['part_of', 'connected_to'] }).notNull(),
  },
  (t) => [uniqueIndex('asset_relations_uq').on(t.assetId, t.otherId, t.kind), index('asset_relations_other_idx').on(t.otherId)],
);

export const installedSoftware = sqliteTable(
  'installed_software',
  {
    ...syncedColumns(),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    name: text('name').notNull(),
    /** Lower-cased name for matching and grouping. */
    nameKey: text('name_key').notNull(),
    vendor: text('vendor'),
    version: text('version'),
    installedOn: text('installed_on'),
    source: text('source', { enum: ['inventory', 'manual'] }).notNull(),
  },
  (t) => [index('installed_software_asset_idx').on(t.assetId), index('installed_software_name_idx').on(t.nameKey, t.version)],
);

export const softwareProducts = sqliteTable(
  'software_products',
  {
    ...syncedColumns(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    vendor: text('vendor'),
    /** JSON array of case-insensitive substrings of installed-software names. */
    matchNames: text('match_names').notNull().default('[]'),
    notes: text('notes'),
  },
  (t) => [index('software_products_name_idx').on(t.nameKey)],
);

export const licenceEntitlements = sqliteTable(
  'licence_entitlements',
  {
    ...syncedColumns(),
    productId: text('product_id')
      .notNull()
      .references(() => softwareProducts.id),
    type: text('type', { enum: ['per_device', 'per_user', 'site', 'subscription'] }).notNull(),
    seats: integer('seats'),
    licenceKey: text('licence_key'),
    startDate: text('start_date'),
    endDate: text('end_date'),
    cost: real('cost'),
    supplier: text('supplier'),
    orderNumber: text('order_number'),
    licensedTo: text('licensed_to'),
    notes: text('notes'),
  },
  (t) => [index('licence_entitlements_product_idx').on(t.productId), index('licence_entitlements_end_idx').on(t.endDate)],
);

/** Set rows: a seat given to an asset or a person. */
export const licenceAssignments = sqliteTable(
  'licence_assignments',
  {
    ...syncedColumns(),
    entitlementId: text('entitlement_id')
      .notNull()
      .references(() => licenceEntitlements.id),
    assetId: text('asset_id').references(() => assets.id),
    userId: text('user_id').references(() => users.id),
  },
  (t) => [
    index('licence_assignments_ent_idx').on(t.entitlementId),
    index('licence_assignments_asset_idx').on(t.assetId),
    index('licence_assignments_user_idx').on(t.userId),
  ],
);

export const maintenanceRecords = sqliteTable(
  'maintenance_records',
  {
    ...syncedColumns(),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    software: text('software'),
    fromVersion: text('from_version'),
    toVersion: text('to_version'),
    status: text('status', { enum: ['planned', 'applied', 'failed', 'cancelled'] }).notNull(),
    windowStart: text('window_start'),
    windowEnd: text('window_end'),
    performedById: text('performed_by_id').references(() => users.id),
    ticketId: text('ticket_id').references(() => tickets.id),
    notes: text('notes'),
  },
  (t) => [index('maintenance_asset_idx').on(t.assetId, t.createdAt), index('maintenance_status_idx').on(t.status, t.windowStart)],
);

export const auditSessions = sqliteTable(
  'audit_sessions',
  {
    ...syncedColumns(),
    locationId: text('location_id')
      .notNull()
      .references(() => locations.id),
    includeSub: integer('include_sub', { mode: 'boolean' }).notNull(),
    status: text('status', { enum: ['open', 'closed'] }).notNull(),
    startedById: text('started_by_id').notNull(),
    closedAt: text('closed_at'),
    signedOffBy: text('signed_off_by'),
    signOffNote: text('sign_off_note'),
  },
  (t) => [index('audit_sessions_status_idx').on(t.status, t.createdAt)],
);

/** Append-only snapshot of what the register placed there when the session started. */
export const auditExpected = sqliteTable(
  'audit_expected',
  {
    ...syncedColumns(),
    auditId: text('audit_id')
      .notNull()
      .references(() => auditSessions.id),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
  },
  (t) => [uniqueIndex('audit_expected_uq').on(t.auditId, t.assetId)],
);

/** Append-only scans; an undo tombstones the scan (deleted_hlc). */
export const auditScans = sqliteTable(
  'audit_scans',
  {
    ...syncedColumns(),
    auditId: text('audit_id')
      .notNull()
      .references(() => auditSessions.id),
    tag: text('tag').notNull(),
    tagKey: text('tag_key').notNull(),
    result: text('result', { enum: ['found', 'unexpected', 'unknown', 'duplicate'] }).notNull(),
    assetId: text('asset_id').references(() => assets.id),
    registeredLocationId: text('registered_location_id'),
    relocated: integer('relocated', { mode: 'boolean' }).notNull().default(false),
    auditorId: text('auditor_id').notNull(),
  },
  (t) => [index('audit_scans_audit_idx').on(t.auditId, t.tagKey), index('audit_scans_asset_idx').on(t.assetId)],
);

/** Device-local reference data: endoflife.date products the user imported. */
export const eolProducts = sqliteTable('eol_products', {
  slug: text('slug').primaryKey(),
  title: text('title').notNull(),
  category: text('category'),
  /** JSON array of lower-case names that identify the product in installed-software lists. */
  matchNames: text('match_names').notNull(),
  importedAt: text('imported_at').notNull(),
});

export const eolReleases = sqliteTable(
  'eol_releases',
  {
    product: text('product')
      .notNull()
      .references(() => eolProducts.slug, { onDelete: 'cascade' }),
    cycle: text('cycle').notNull(),
    releaseDate: text('release_date'),
    /** yyyy-mm-dd, or null when the file says false (supported) or gives no date. */
    eolDate: text('eol_date'),
    /** true when the file says eol: true without a date. */
    eolFlag: integer('eol_flag', { mode: 'boolean' }).notNull().default(false),
    latest: text('latest'),
  },
  (t) => [primaryKey({ columns: [t.product, t.cycle] })],
);

/** Device-local reference data: the CISA KEV catalogue as last imported. */
export const kevEntries = sqliteTable(
  'kev_entries',
  {
    cveId: text('cve_id').primaryKey(),
    vendorProject: text('vendor_project').notNull(),
    product: text('product').notNull(),
    vendorKey: text('vendor_key').notNull(),
    productKey: text('product_key').notNull(),
    vulnerabilityName: text('vulnerability_name'),
    dateAdded: text('date_added').notNull(),
    dueDate: text('due_date'),
    requiredAction: text('required_action'),
    knownRansomware: integer('known_ransomware', { mode: 'boolean' }).notNull().default(false),
    shortDescription: text('short_description'),
  },
  (t) => [index('kev_product_idx').on(t.productKey)],
);

/** Device-local: one token per site that inventory agents present (never a user session). */
export const inventoryAgentTokens = sqliteTable('inventory_agent_tokens', {
  siteId: text('site_id').primaryKey(),
  token: text('token').notNull(),
  createdAt: text('created_at').notNull(),
  lastReportAt: text('last_report_at'),
});
