/** Snipe-IT asset files (and any CSV with a column mapping) → the asset register, tag as the update key. */
import type Database from 'better-sqlite3';
import { IMPORT_FIELD_LABELS, type ImportError, type MappableField } from '../../../../shared/api/assets';
import { normaliseTag, type AssetStatus, type AssetType } from '../../../../shared/assets/rules';
import type { WriteScope } from '../../core/write';
import { appendAssetHistory, type NewAssetRow } from '../assets';
import { AssetInserter, cancelledError, updateAsset, type ImportHooks, type OpBatch } from './commit';
import type { AssetRaw } from '../mapping';
import { cell, columnMapper, headerKey, type ColumnMap } from './csv';
import { People, Places } from './resolve';
import { addMonths, inferType, parseDate, parseMoney, type Parsed } from './values';
import { statusForLabel } from '../../../../shared/assets/status-labels';
import type { StatusLabels } from './status-labels';
import { faultPoint } from '../../../db/fault-point';
import { ownCopy } from '../../core/own-string';

export type AssetImportField =
  | MappableField
  | 'username'
  | 'email'
  | 'firstName'
  | 'lastName'
  | 'checkoutType'
  | 'checkoutLocation'
  | 'expectedReturn';

/** Snipe-IT's headers and the usual spellings of them (compared via headerKey: case and _ do not matter). */
export const ASSET_ALIASES: Record<string, AssetImportField> = {
  'asset tag': 'tag',
  tag: 'tag',
  'asset tag number': 'tag',
  'inventory number': 'tag',
  'inventory tag': 'tag',
  name: 'name',
  'asset name': 'name',
  'item name': 'name',
  type: 'type',
  'asset type': 'type',
  category: 'category',
  'category name': 'category',
  manufacturer: 'manufacturer',
  make: 'manufacturer',
  model: 'model',
  'model name': 'model',
  'model number': 'modelNumber',
  'model no': 'modelNumber',
  'model no.': 'modelNumber',
  serial: 'serial',
  'serial number': 'serial',
  'serial no': 'serial',
  'serial no.': 'serial',
  's/n': 'serial',
  status: 'status',
  'status label': 'status',
  'status name': 'status',
  location: 'location',
  'location name': 'location',
  'default location': 'location',
  supplier: 'supplier',
  'order number': 'orderNumber',
  'purchase order': 'orderNumber',
  'po number': 'orderNumber',
  'purchase date': 'purchaseDate',
  'purchase cost': 'cost',
  cost: 'cost',
  price: 'cost',
  warranty: 'warrantyMonths',
  'warranty months': 'warrantyMonths',
  'warranty (months)': 'warrantyMonths',
  'warranty in months': 'warrantyMonths',
  'warranty end': 'warrantyEnd',
  'warranty expires': 'warrantyEnd',
  'warranty end date': 'warrantyEnd',
  'warranty expiration': 'warrantyEnd',
  'asset eol date': 'eolDate',
  'eol date': 'eolDate',
  'end of life': 'eolDate',
  'next audit date': 'nextAuditAt',
  'next audit': 'nextAuditAt',
  notes: 'notes',
  'asset notes': 'notes',
  note: 'notes',
  'checkout type': 'checkoutType',
  'checked out to: username': 'username',
  'checkout to: username': 'username',
  username: 'username',
  'checked out to: email': 'email',
  email: 'email',
  'checked out to: first name': 'firstName',
  'first name': 'firstName',
  'checked out to: last name': 'lastName',
  'last name': 'lastName',
  'checked out to': 'assignedTo',
  'checked out to: name': 'assignedTo',
  'full name': 'assignedTo',
  'assigned to': 'assignedTo',
  'checked out to: location': 'checkoutLocation',
  'checkout location': 'checkoutLocation',
  'expected checkin': 'expectedReturn',
  'expected check-in': 'expectedReturn',
  'expected return': 'expectedReturn',
};

/** Snipe-IT columns that carry nothing the register keeps (the rest of the unknown ones become custom fields). */
const DROP = new Set(['company', 'model notes', 'image', 'requestable', 'id', 'checked out to: employee number']);

const MAX_LENGTHS = [
  ['name', 200],
  ['model', 200],
  ['serial', 120],
  ['manufacturer', 120],
  ['category', 120],
  ['supplier', 200],
  ['orderNumber', 120],
  ['modelNumber', 120],
] as const;
const DATE_FIELDS = ['purchaseDate', 'warrantyEnd', 'eolDate', 'nextAuditAt', 'expectedReturn'] as const;

/** `home`: the asset's home location (Snipe-IT's Location column, its default location), when set. */
type Refs = { assignee: string | null; location: string | null; home: string | null; hasAssigneeCols: boolean };

export type AssetPlan =
  | ({ row: number; kind: 'create'; cols: NewAssetRow; siteId: string } & Refs)
  | ({ row: number; kind: 'update'; before: AssetRaw; changes: Record<string, unknown> } & Refs)
  | { row: number; kind: 'unchanged'; before: AssetRaw };

/** What the planner found once every row has passed: counts, problems, notes and the preview. */
export interface AssetPlanSummary {
  created: number;
  updated: number;
  unchanged: number;
  /** The first problems (see ErrorSink); `errors.count` says how many there were. */
  errors: ErrorSink;
  /** Header notes that do not stop the import. */
  notes: string[];
  /** Notes about rows as a whole that do not stop the import. */
  rowNotes: string[];
  warnings: ImportError[];
  columns: { recognised: Record<string, string>; ignored: string[] };
  preview: Record<string, string | number | null>[];
}

/**
 * A file's problems as they are found, row after row: the first `keep` are kept (a person fixes
 * those first), the rest only counted, so a wholly wrong 200 MB file does not fill memory with them.
 */
export class ErrorSink {
  readonly items: ImportError[] = [];
  count = 0;
  /** Rows (> 0) with at least one problem. */
  rows = 0;
  private lastRow = -1;
  constructor(private readonly keep = 1000) {}
  push(...es: ImportError[]): void {
    for (const e of es) {
      this.count++;
      if (e.row > 0 && e.row !== this.lastRow) {
        this.rows++;
        this.lastRow = e.row;
      }
      // Its own copy: a message quoting a cell would keep the chunk of the file the cell came from.
      if (this.items.length < this.keep) this.items.push({ ...e, column: ownCopy(e.column), message: ownCopy(e.message) });
    }
  }
}

/** A parsed value kept in a cache past its chunk of the file, as its own copy (see ownCopy). */
function ownParsed(p: Parsed<string | null>): Parsed<string | null> {
  return p.ok ? { ok: true, value: p.value === null ? null : ownCopy(p.value) } : { ok: false, message: ownCopy(p.message) };
}

function take<T>(p: Parsed<T>, row: number, column: string, errors: ErrorSink): T | undefined {
  if (p.ok) return p.value;
  errors.push({ row, column, message: p.message });
  return undefined;
}

export interface AssetPlanner {
  /** Problems with the header row: when there are any, no row is planned. */
  readonly headerErrors: ImportError[];
  /** Plans whole rows (rows[0] is file row `firstRow`), handing each row's plan to `emit`. */
  plan(rows: string[][], firstRow: number, emit?: (p: AssetPlan) => void): void;
  /** The counts, problems and notes once every row has been planned. */
  finish(): AssetPlanSummary;
}

/**
 * Plans an asset file's rows a batch at a time, as they are read: each row checked and matched to
 * the register by its tag (looked up a batch at a time), people, places and status labels resolved
 * (new ones kept pending, created by the commit). Nothing is kept per row but its tag (a tag again
 * further down is refused), so planning a large file holds its counts, not its rows.
 */
export function assetPlanner(
  sqlite: Database.Database,
  headers: string[],
  opts: {
    siteId: string;
    people: People;
    places: Places;
    labels: StatusLabels;
    /** Header → field, or the field of each column by position (null: ignored). */
    mapping?: Record<string, MappableField> | (MappableField | null)[];
  },
): AssetPlanner {
  let aliases: Record<string, AssetImportField> | (AssetImportField | null)[] = ASSET_ALIASES;
  if (Array.isArray(opts.mapping)) aliases = opts.mapping;
  else if (opts.mapping) {
    const byName: Record<string, AssetImportField> = {};
    for (const [h, f] of Object.entries(opts.mapping)) byName[headerKey(h)] = f;
    aliases = byName;
  }
  const mapper = columnMapper(headers, aliases, ['tag'], (f) => IMPORT_FIELD_LABELS[f] ?? f);
  const map: ColumnMap<AssetImportField> = mapper.map;
  const errors = new ErrorSink();
  errors.push(...map.errors);
  const rowNotes: string[] = [];
  // A repeated unknown header is one custom field: its columns are read first non-empty first.
  const customCols: { cols: number[]; header: string }[] = [];
  if (!opts.mapping) {
    headers.forEach((h, i) => {
      if (!h || !map.ignored.includes(h) || DROP.has(headerKey(h))) return;
      const same = customCols.find((c) => headerKey(c.header) === headerKey(h));
      if (same) same.cols.push(i);
      else customCols.push({ cols: [i], header: h });
    });
  }
  const ignored = map.ignored.filter((h) => !customCols.some((c) => c.header === h));
  const recognised = { ...map.recognised };
  for (const c of customCols) recognised[c.header] = `custom field "${c.header}"`;
  const preview: Record<string, string | number | null>[] = [];
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const summary = (): AssetPlanSummary => ({ created, updated, unchanged, errors, notes: map.notes, rowNotes, warnings: map.warnings, columns: { recognised, ignored }, preview });
  if (map.errors.length) {
    return {
      headerErrors: map.errors,
      plan: (rows, firstRow) => rows.forEach((r, k) => mapper.observe(r, firstRow + k)),
      finish: () => {
        mapper.finish();
        return summary();
      },
    };
  }

  const header = (f: AssetImportField) => headers[map.index[f]!] ?? f;
  const firstRowOfTag = new Map<string, number>();
  let warrantyWithoutDate = 0;
  /** Rows that name a person but whose status label is not deployable, by label. */
  const notCheckedOut = new Map<string, number>();
  const dateCache = new Map<string, Parsed<string | null>>();
  const typeCache = new Map<string, AssetType>();
  const typeOf = (typeCol: string, category: string, model: string, name: string): AssetType => {
    const key = `${typeCol}\u0000${category}\u0000${model}`;
    let t = typeCache.get(key);
    if (t === undefined) typeCache.set(ownCopy(key), (t = typeCol ? inferType(typeCol) : inferType(category, model)));
    return t === 'other' && !typeCol ? inferType(name) : t;
  };
  const hasAssigneeCols = ['username', 'email', 'firstName', 'lastName', 'assignedTo'].some((f) => map.index[f as AssetImportField] !== undefined);

  const planRow = (r: string[], row: number, existingByTag: Map<string, AssetRaw>, emit: (p: AssetPlan) => void): void => {
    mapper.observe(r, row);
    const before = errors.count;
    const get = (f: AssetImportField) => cell(r, map, f);
    const tag = get('tag');
    if (!tag) {
      errors.push({ row, column: header('tag'), message: 'The asset tag is empty; every asset needs one.' });
      return;
    }
    if (tag.length > 64) errors.push({ row, column: header('tag'), message: 'The asset tag is longer than 64 characters.' });
    const tagKey = normaliseTag(tag);
    const first = firstRowOfTag.get(tagKey);
    if (first !== undefined) {
      errors.push({ row, column: header('tag'), message: `Asset tag ${tag} appears again (first on row ${first}).` });
      return;
    }
    firstRowOfTag.set(ownCopy(tagKey), row);

    const statusText = get('status');
    const label = statusText ? opts.labels.resolve(statusText) : null;
    const dates: Partial<Record<'purchaseDate' | 'warrantyEnd' | 'eolDate' | 'nextAuditAt' | 'expectedReturn', string | null>> = {};
    for (const f of DATE_FIELDS) {
      const v = get(f);
      if (!v) continue;
      // Files repeat the same dates a lot: parse each distinct text once.
      let d = dateCache.get(v);
      if (!d) dateCache.set(ownCopy(v), (d = ownParsed(parseDate(v))));
      dates[f] = take(d, row, header(f), errors) ?? null;
    }
    const cost = get('cost') ? take(parseMoney(get('cost')), row, header('cost'), errors) : null;
    let warrantyEnd = dates.warrantyEnd ?? null;
    if (!warrantyEnd && get('warrantyMonths')) {
      const m = /^\d{1,3}$/.exec(get('warrantyMonths').replace(/\s*months?$/i, ''));
      if (!m) errors.push({ row, column: header('warrantyMonths'), message: `"${get('warrantyMonths')}" is not a number of months.` });
      else if (dates.purchaseDate) warrantyEnd = addMonths(dates.purchaseDate, Number(m[0]));
      else warrantyWithoutDate++;
    }
    for (const [f, max] of MAX_LENGTHS) {
      if (get(f).length > max) errors.push({ row, column: header(f), message: `Longer than ${max} characters.` });
    }
    if (errors.count > before) return;

    // Who and where: a user checkout names a person; a location checkout (or a plain Location column) names a place.
    const checkoutType = get('checkoutType').toLowerCase();
    // A mapped "assigned to" column of email addresses is matched (and a person made) by email.
    const assignedTo = get('assignedTo');
    const byEmail = !get('email') && /^[^\s@]+@[^\s@]+$/.test(assignedTo);
    const assignee =
      checkoutType === 'location' || checkoutType === 'asset'
        ? null
        : opts.people.resolve({
            username: get('username'),
            email: byEmail ? assignedTo : get('email'),
            firstName: get('firstName'),
            lastName: get('lastName'),
            fullName: byEmail ? '' : assignedTo,
          });
    const who = get('username') || get('email') || get('assignedTo') || `${get('firstName')} ${get('lastName')}`.trim();
    if (!assignee && who && checkoutType !== 'location' && checkoutType !== 'asset' && !opts.people.mayCreate) {
      const col = (['username', 'email', 'assignedTo', 'firstName'] as const).find((f) => get(f));
      errors.push({ row, column: col ? header(col) : '', message: `Nobody called ${who} is in Outpost. Import the users file first (an administrator can), or leave the check-out columns empty.` });
      return;
    }
    const placeName = get('checkoutLocation') || get('location');
    const location = placeName ? opts.places.resolve(placeName) : null;
    const locSite = opts.places.siteOf(location);
    // Snipe-IT's Location is the default location; an asset checked out to another place returns there.
    const homeRef = get('location') ? opts.places.resolve(get('location')) : null;
    const homeIn = (site: string) => (homeRef && opts.places.siteOf(homeRef) === site ? homeRef : null);

    const custom: Record<string, string> = {};
    for (const c of customCols) {
      for (const i of c.cols) {
        const v = (r[i] ?? '').trim();
        if (v) {
          custom[c.header] = v;
          break;
        }
      }
    }
    const name = get('name') || get('model') || tag;
    const fields: Record<string, unknown> = {
      tag,
      tag_key: tagKey,
      name,
      category: get('category') || undefined,
      manufacturer: get('manufacturer') || undefined,
      model: get('model') || undefined,
      model_number: get('modelNumber') || undefined,
      serial: get('serial') || undefined,
      supplier: get('supplier') || undefined,
      order_number: get('orderNumber') || undefined,
      purchase_date: dates.purchaseDate ?? undefined,
      cost: cost ?? undefined,
      warranty_end: warrantyEnd ?? undefined,
      eol_date: dates.eolDate ?? undefined,
      next_audit_at: dates.nextAuditAt ?? undefined,
      notes: get('notes') || undefined,
    };
    const existing = existingByTag.get(tagKey);
    if (!existing) {
      const type = typeOf(get('type'), get('category'), get('model'), get('name'));
      const checkedOut = !!assignee || checkoutType === 'location';
      const st: AssetStatus = label ? statusForLabel(label.type, checkedOut) : checkedOut ? 'deployed' : 'in_stock';
      const out: Record<string, unknown> = {};
      for (const k in fields) if (fields[k] !== undefined) out[k] = fields[k];
      out.type = type;
      out.status = st;
      out.status_label = label?.label ?? null;
      out.custom_fields = customCols.length ? JSON.stringify(custom) : '{}';
      out.expected_return = dates.expectedReturn ?? null;
      const cols = out as NewAssetRow;
      const siteId = locSite ?? opts.siteId;
      // Only a deployable asset is checked out; the person named beside another status is still added.
      const holder = st === 'deployed' ? assignee : null;
      if (assignee && !holder) notCheckedOut.set(label?.label ?? st, (notCheckedOut.get(label?.label ?? st) ?? 0) + 1);
      created++;
      emit({ row, kind: 'create', cols, siteId, assignee: holder, location, home: homeIn(siteId), hasAssigneeCols });
      if (preview.length < 20) preview.push({ row, action: 'create', tag, name, type, status: label?.label ?? st, location: placeName || null, assignedTo: holder ? who : null });
      return;
    }
    // Blank cells leave stored values alone: a partial file never erases data.
    const changes: Record<string, unknown> = {};
    const prior = existing as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && prior[k] !== v) changes[k] = v;
    if (label) {
      const status = statusForLabel(label.type, !!existing.assigned_to_id || assignee !== null);
      if (status !== existing.status) changes.status = status;
      if (label.label !== existing.status_label) changes.status_label = label.label;
    }
    if (Object.keys(custom).length) {
      const merged = { ...(JSON.parse(existing.custom_fields || '{}') as Record<string, unknown>), ...custom };
      const text = JSON.stringify(merged);
      if (text !== existing.custom_fields) changes.custom_fields = text;
    }
    if (dates.expectedReturn && dates.expectedReturn !== existing.expected_return) changes.expected_return = dates.expectedReturn;
    // A label that cannot be deployed (in repair, archived…) keeps the asset with nobody, as on create.
    const mayAssign = !label || statusForLabel(label.type, true) === 'deployed';
    const assigneeChanged = mayAssign && assignee !== null && assignee !== existing.assigned_to_id;
    const locationChanged = location !== null && location !== existing.location_id;
    const home = homeIn(locationChanged ? (locSite ?? existing.scope_id) : existing.scope_id);
    const homeChanged = home !== null && home !== existing.home_location_id;
    if (!Object.keys(changes).length && !assigneeChanged && !locationChanged && !homeChanged) {
      unchanged++;
      emit({ row, kind: 'unchanged', before: existing });
      if (preview.length < 20) preview.push({ row, action: 'unchanged', tag, name: existing.name, status: existing.status, location: placeName || null, assignedTo: null });
      return;
    }
    updated++;
    emit({ row, kind: 'update', before: existing, changes, assignee: assigneeChanged ? assignee : null, location: locationChanged ? location : null, home: homeChanged ? home : null, hasAssigneeCols });
    if (preview.length < 20) preview.push({ row, action: 'update', tag, name, status: label?.label ?? (changes.status as string | undefined) ?? existing.status, location: placeName || null, assignedTo: assigneeChanged ? get('username') || get('assignedTo') : null });
  };
  const plan = (rows: string[][], firstRow: number, emit: (p: AssetPlan) => void = () => undefined) => {
    const existingByTag = loadByTags(sqlite, rows, map);
    for (let k = 0; k < rows.length; k++) planRow(rows[k]!, firstRow + k, existingByTag, emit);
  };
  const finish = (): AssetPlanSummary => {
  mapper.finish();
  if (notCheckedOut.size) {
    const n = [...notCheckedOut.values()].reduce((a, b) => a + b, 0);
    const byLabel = [...notCheckedOut].map(([l, c]) => `${l} ${c}`).join(', ');
    rowNotes.push(
      `${n} row${n === 1 ? ' names' : 's name'} a person but ${n === 1 ? 'has a status' : 'have a status'} that is not deployable (${byLabel}): ${n === 1 ? 'that asset is' : 'those assets are'} imported without being checked out to anyone${opts.people.mayCreate ? ' (people not yet in the team are still added)' : ''}.`,
    );
  }
  if (warrantyWithoutDate) {
    rowNotes.push(`${warrantyWithoutDate} row${warrantyWithoutDate === 1 ? ' has' : 's have'} warranty months but no purchase date to count them from: no warranty end is set there.`);
  }
  if (!opts.labels.mayAdd) {
    const added = opts.labels.newLabels();
    if (added.length) {
      errors.push({
        row: 0,
        column: header('status'),
        message: `Only an administrator can add status labels: ${added.map((l) => `"${l.name}"`).join(', ')} ${added.length === 1 ? 'is' : 'are'} not among the team's labels. Ask an administrator to import this file, or to add ${added.length === 1 ? 'it' : 'them'} first.`,
      });
    }
  }
  return summary();
  };
  return { headerErrors: [], plan, finish };
}

/** Rows between progress reports and cancel checks: often enough for a smooth bar, rare enough to cost nothing. */
const PROGRESS_EVERY = 1000;
/** Tags per lookup query (SQLite binds the list as one JSON array). */
const LOOKUP_CHUNK = 2000;

/** Existing assets named by the file, fetched a chunk of tags per query rather than one query per row. */
function loadByTags(sqlite: Database.Database, rows: string[][], map: ColumnMap<AssetImportField>): Map<string, AssetRaw> {
  const keys = new Set<string>();
  for (const r of rows) {
    const t = cell(r, map, 'tag');
    if (t) keys.add(normaliseTag(t));
  }
  const out = new Map<string, AssetRaw>();
  if (!keys.size) return out;
  const q = sqlite.prepare('SELECT rowid, * FROM assets WHERE tag_key IN (SELECT value FROM json_each(?))');
  const all = [...keys];
  for (let i = 0; i < all.length; i += LOOKUP_CHUNK) {
    for (const a of q.all(JSON.stringify(all.slice(i, i + LOOKUP_CHUNK))) as AssetRaw[]) out.set(a.tag_key, a);
  }
  return out;
}

/**
 * Applies planned rows inside the caller's write, one at a time as the file is read again, every op
 * through `ops`. Pending people and places must be committed first; `finish` writes what is buffered.
 */
export class AssetApplier {
  private readonly inserter: AssetInserter;
  private readonly w: WriteScope;
  /** Rows applied so far (unchanged ones included). */
  done = 0;

  constructor(
    private readonly sqlite: Database.Database,
    ops: OpBatch,
    /** New assets the plan counted (a large import builds its indexes in bulk). */
    toCreate: number,
    /** Rows the plan counted, for progress. */
    private readonly total: number,
    private readonly people: People,
    private readonly places: Places,
    private readonly hooks?: ImportHooks,
  ) {
    this.w = ops.scope;
    this.inserter = new AssetInserter(sqlite, ops, toCreate);
    this.ops = ops;
  }

  private readonly ops: OpBatch;

  apply(p: AssetPlan): void {
    const { sqlite, w, people, places, hooks } = this;
    const i = this.done++;
    if (hooks && i % PROGRESS_EVERY === 0) {
      if (hooks.cancelled?.()) throw cancelledError();
      hooks.progress?.({ phase: 'writing', done: i, total: this.total });
      if (i > 0) faultPoint('import.chunk');
    }
    if (p.kind === 'unchanged') return;
    const assignee = people.id(p.assignee);
    const location = places.id(p.location);
    if (p.kind === 'create') {
      const cols = p.cols as NewAssetRow & Record<string, unknown>;
      cols.assigned_to_id = assignee;
      cols.location_id = location;
      cols.home_location_id = places.id(p.home);
      cols.checked_out_at = p.cols.status === 'deployed' ? w.now : null;
      this.inserter.run(p.siteId, cols);
      return;
    }
    const changes: Record<string, unknown> = { ...p.changes };
    if (assignee) {
      changes.assigned_to_id = assignee;
      changes.checked_out_at = w.now;
      if (!changes.status && p.before.status === 'in_stock') changes.status = 'deployed';
    }
    if (p.home) changes.home_location_id = places.id(p.home);
    if (location) {
      changes.location_id = location;
      const site = places.siteOf(location);
      if (site && site !== p.before.scope_id) changes.scope_id = site;
    }
    updateAsset(sqlite, this.ops, p.before, changes);
    const scope = (changes.scope_id as string | undefined) ?? p.before.scope_id;
    if (changes.status) appendAssetHistory(sqlite, w, p.before.id, scope, { kind: 'status', from: p.before.status, to: changes.status as string, reason: 'Imported' });
    if (assignee || location) {
      appendAssetHistory(sqlite, w, p.before.id, scope, { kind: 'assignment', field: assignee ? 'checkout' : 'move', assignedToId: assignee ?? p.before.assigned_to_id, locationId: location ?? p.before.location_id, reason: 'Imported' });
    }
  }

  /** Writes the buffered rows and rebuilds what a large import suspended. */
  finish(): void {
    this.inserter.flush();
    this.hooks?.progress?.({ phase: 'writing', done: this.done, total: this.total });
  }
}
