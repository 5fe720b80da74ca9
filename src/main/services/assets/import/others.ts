/** Snipe-IT user, location, licence and model files. Each plans first (no writes) and applies in the caller's write. */
import type Database from 'better-sqlite3';
import type { ImportError, ImportStatusLabel } from '../../../../shared/api/assets';
import type { ImportHooks } from './commit';
import type { WriteScope } from '../../core/write';
import { createRecord, setMember, storeOf, updateRecord, type Values } from '../../core/record';
import { uuidv7 } from '../../../../shared/ids';
import { setRowId } from '../../core/set-ids';
import { readModels, writeModels, type AssetModel } from '../models';
import { GLOBAL_SCOPE } from '../../directory/scopes';
import { cell, mapColumns, type ParsedCsv } from './csv';
import { People, Places, usernameFrom } from './resolve';
import { addMonths, parseBool, parseCount, parseDate, parseMoney } from './values';

export interface Planned {
  errors: ImportError[];
  columns: { recognised: Record<string, string>; ignored: string[] };
  preview: Record<string, string | number | null>[];
  created: number;
  updated: number;
  unchanged: number;
  /** Header notes and row warnings that do not stop the import. */
  notes?: string[];
  /** Notes about rows (not the header) that do not stop the import. */
  rowNotes?: string[];
  warnings?: ImportError[];
  /** Asset imports: the status labels the file uses. */
  statusLabels?: ImportStatusLabel[];
  /**
   * Runs the writes (only called when there are no errors and it is not a dry run); `hooks` are
   * the committing caller's (progress, cancel), which may not be the ones the plan was made with.
   */
  apply(w: WriteScope, hooks?: ImportHooks): void;
}

// ---------------------------------------------------------------- users

type UserField = 'username' | 'email' | 'firstName' | 'lastName' | 'fullName' | 'activated';
const USER_ALIASES: Record<string, UserField> = {
  username: 'username',
  'user name': 'username',
  login: 'username',
  email: 'email',
  'email address': 'email',
  'first name': 'firstName',
  'last name': 'lastName',
  name: 'fullName',
  'full name': 'fullName',
  'display name': 'fullName',
  activated: 'activated',
  active: 'activated',
  enabled: 'activated',
};

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function planUsers(sqlite: Database.Database, csv: ParsedCsv, siteId: string): Planned {
  const map = mapColumns(csv.headers, csv.rows, USER_ALIASES, []);
  const errors = [...map.errors];
  if (map.index.username === undefined && map.index.email === undefined) errors.push({ row: 0, column: '', message: 'The file needs a Username or an Email column.' });
  const people = new People(sqlite);
  const header = (f: UserField) => csv.headers[map.index[f]!] ?? f;
  const updates: { id: string; changes: Record<string, unknown>; fieldHlc: string; before: Record<string, unknown> }[] = [];
  const preview: Record<string, string | number | null>[] = [];
  const seen = new Map<string, number>();
  let unchanged = 0;
  if (!errors.length) {
    const load = sqlite.prepare('SELECT id, scope_id, display_name, email, active, field_hlc FROM users WHERE id = ?');
    csv.rows.forEach((r, i) => {
      const row = i + 1;
      const get = (f: UserField) => cell(r, map, f);
      const email = get('email');
      if (email && !EMAIL_RE.test(email)) {
        errors.push({ row, column: header('email'), message: `"${email}" is not an email address.` });
        return;
      }
      const given = get('username');
      if (given && !/^[A-Za-z0-9._@-]{2,64}$/.test(given)) {
        errors.push({ row, column: header('username'), message: 'A username may use letters, digits and . _ @ - only (2 to 64 characters).' });
        return;
      }
      const username = given ? given.toLowerCase() : usernameFrom(email);
      if (username.length < 2) {
        errors.push({ row, column: header(map.index.username !== undefined ? 'username' : 'email'), message: 'The row has no username or email.' });
        return;
      }
      if (seen.has(username)) {
        errors.push({ row, column: header(map.index.username !== undefined ? 'username' : 'email'), message: `${username} appears again (first on row ${seen.get(username)}).` });
        return;
      }
      seen.set(username, row);
      const activated = take(parseBool(get('activated')), row, map.index.activated !== undefined ? header('activated') : '', errors);
      if (activated === undefined) return;
      const displayName = (get('fullName') || [get('firstName'), get('lastName')].filter(Boolean).join(' ') || username).slice(0, 120);
      const existing = people.existingByUsername(username);
      if (!existing) {
        people.addPending({ username, displayName, email: email || null, active: activated ?? true });
        if (preview.length < 20) preview.push({ row, action: 'create', username, displayName, email: email || null });
        return;
      }
      const b = load.get(existing) as { id: string; display_name: string; email: string | null; active: number; field_hlc: string };
      const changes: Record<string, unknown> = {};
      if (displayName !== b.display_name && (get('fullName') || get('firstName') || get('lastName'))) changes.display_name = displayName;
      if (email && email !== b.email) changes.email = email;
      if (activated !== null && (activated ? 1 : 0) !== b.active) changes.active = activated ? 1 : 0;
      if (!Object.keys(changes).length) {
        unchanged++;
        return;
      }
      updates.push({ id: existing, changes, fieldHlc: b.field_hlc, before: b });
      if (preview.length < 20) preview.push({ row, action: 'update', username, displayName, email: email || null });
    });
  }
  const created = people.pending.size;
  return {
    errors,
    columns: { recognised: map.recognised, ignored: map.ignored },
    notes: map.notes,
    warnings: map.warnings,
    preview,
    created,
    updated: updates.length,
    unchanged,
    apply(w) {
      people.commit(w, siteId);
      for (const u of updates) updateRecord(storeOf(sqlite), w, 'users', u.id, u.changes as Values, { row: u.before });
    },
  };
}

function take<T>(p: { ok: true; value: T } | { ok: false; message: string }, row: number, column: string, errors: ImportError[]): T | undefined {
  if (p.ok) return p.value;
  errors.push({ row, column, message: p.message });
  return undefined;
}

// ---------------------------------------------------------------- locations

type LocField = 'name' | 'parent' | 'address' | 'address2' | 'city' | 'state' | 'country' | 'zip';
const LOC_ALIASES: Record<string, LocField> = {
  name: 'name',
  'location name': 'name',
  location: 'name',
  parent: 'parent',
  'parent location': 'parent',
  'parent name': 'parent',
  address: 'address',
  address2: 'address2',
  'address 2': 'address2',
  city: 'city',
  state: 'state',
  country: 'country',
  zip: 'zip',
  'postal code': 'zip',
  postcode: 'zip',
};

export function planLocations(sqlite: Database.Database, csv: ParsedCsv, siteId: string): Planned {
  const map = mapColumns(csv.headers, csv.rows, LOC_ALIASES, ['name']);
  const errors = [...map.errors];
  const places = new Places(sqlite, siteId);
  const preview: Record<string, string | number | null>[] = [];
  const updates: { id: string; address: string; fieldHlc: string; before: string | null }[] = [];
  const seen = new Map<string, number>();
  let unchanged = 0;
  let repeats = 0;
  if (!errors.length) {
    const load = sqlite.prepare('SELECT address, field_hlc FROM locations WHERE id = ?');
    const rowsByName = new Map<string, string[]>();
    csv.rows.forEach((r) => rowsByName.set(cell(r, map, 'name').toLowerCase(), r));
    const refOf = new Map<string, string>();
    const addressOf = (r: string[]) =>
      [cell(r, map, 'address'), cell(r, map, 'address2'), cell(r, map, 'city'), [cell(r, map, 'state'), cell(r, map, 'zip')].filter(Boolean).join(' '), cell(r, map, 'country')]
        .filter(Boolean)
        .join(', ');
    const visit = (r: string[], row: number, depth: number): string | null => {
      const name = cell(r, map, 'name');
      const key = name.toLowerCase();
      if (refOf.has(key)) return refOf.get(key)!;
      if (depth > 20) {
        errors.push({ row, column: csv.headers[map.index.parent!] ?? 'parent', message: 'The parent locations loop back on themselves.' });
        return null;
      }
      const parentName = cell(r, map, 'parent');
      let parentRef: string | null = null;
      if (parentName) {
        const pr = rowsByName.get(parentName.toLowerCase());
        parentRef = pr ? visit(pr, csv.rows.indexOf(pr) + 1, depth + 1) : places.find(parentName);
        if (!parentRef) {
          errors.push({ row, column: csv.headers[map.index.parent!] ?? 'parent', message: `There is no location called "${parentName}".` });
          return null;
        }
      }
      const address = addressOf(r);
      const existing = places.findUnder(name, siteId, parentRef) ?? (parentName ? null : places.find(name));
      let ref: string;
      if (existing) {
        ref = existing;
        const b = load.get(existing) as { address: string | null; field_hlc: string };
        if (address && address !== b.address) {
          updates.push({ id: existing, address, fieldHlc: b.field_hlc, before: b.address });
          if (preview.length < 20) preview.push({ row, action: 'update', name, address });
        } else unchanged++;
      } else {
        ref = places.addPending(key, { name, siteId, parentRef, address: address || null });
        if (preview.length < 20) preview.push({ row, action: 'create', name, address: address || null, parent: parentName || null });
      }
      refOf.set(key, ref);
      return ref;
    };
    csv.rows.forEach((r, i) => {
      const row = i + 1;
      const name = cell(r, map, 'name');
      if (!name) {
        errors.push({ row, column: csv.headers[map.index.name!] ?? 'name', message: 'The location name is empty.' });
        return;
      }
      if (name.length > 120) {
        errors.push({ row, column: csv.headers[map.index.name!] ?? 'name', message: 'Longer than 120 characters.' });
        return;
      }
      const k = name.toLowerCase();
      if (seen.has(k)) {
        // Snipe-IT keys locations on their name: a later row with the same name updates it (its sample file does this).
        const address = addressOf(r);
        const ref = refOf.get(k);
        if (ref && address) {
          const p = places.pending.get(k);
          if (p) p.address = address;
          else {
            const u = updates.find((x) => x.id === ref);
            if (u) u.address = address;
            else updates.push({ id: ref, address, fieldHlc: (load.get(ref) as { field_hlc: string }).field_hlc, before: null });
          }
          repeats++;
        }
        return;
      }
      seen.set(k, row);
      visit(r, row, 0);
    });
  }
  return {
    errors,
    columns: { recognised: map.recognised, ignored: map.ignored },
    notes: map.notes,
    warnings: map.warnings,
    preview,
    created: places.pending.size,
    updated: updates.length + repeats - updates.filter((u) => u.before === null).length,
    unchanged,
    apply(w) {
      places.commit(w);
      for (const u of updates) updateRecord(storeOf(sqlite), w, 'locations', u.id, { address: u.address }, { row: { id: u.id, scope_id: siteId, field_hlc: u.fieldHlc, address: u.before } });
    },
  };
}

// ---------------------------------------------------------------- licences

type LicField =
  | 'product'
  | 'key'
  | 'vendor'
  | 'purchaseDate'
  | 'cost'
  | 'orderNumber'
  | 'purchaseOrder'
  | 'licensedToName'
  | 'licensedToEmail'
  | 'expiration'
  | 'seats'
  | 'supplier'
  | 'notes'
  | 'username'
  | 'email'
  | 'fullName'
  | 'assetTag'
  | 'maintained';
const LIC_ALIASES: Record<string, LicField> = {
  'item name': 'product',
  name: 'product',
  'license name': 'product',
  'licence name': 'product',
  software: 'product',
  product: 'product',
  'serial number': 'key',
  serial: 'key',
  'product key': 'key',
  'license key': 'key',
  'licence key': 'key',
  key: 'key',
  manufacturer: 'vendor',
  vendor: 'vendor',
  publisher: 'vendor',
  'purchase date': 'purchaseDate',
  'purchase cost': 'cost',
  cost: 'cost',
  'order number': 'orderNumber',
  'purchase order': 'purchaseOrder',
  'licensed to name': 'licensedToName',
  'licensed to email': 'licensedToEmail',
  'expiration date': 'expiration',
  'expiry date': 'expiration',
  expires: 'expiration',
  'end date': 'expiration',
  'termination date': 'expiration',
  seats: 'seats',
  quantity: 'seats',
  supplier: 'supplier',
  notes: 'notes',
  username: 'username',
  'checked out to: username': 'username',
  email: 'email',
  'full name': 'fullName',
  'asset tag': 'assetTag',
  maintained: 'maintained',
};

export function planLicences(sqlite: Database.Database, csv: ParsedCsv, siteId: string, mayCreatePeople = true): Planned {
  const map = mapColumns(csv.headers, csv.rows, LIC_ALIASES, ['product']);
  const errors = [...map.errors];
  const people = new People(sqlite, mayCreatePeople);
  const header = (f: LicField) => csv.headers[map.index[f]!] ?? f;
  const preview: Record<string, string | number | null>[] = [];
  const products = new Map<string, string>(
    (sqlite.prepare('SELECT id, name_key FROM software_products WHERE deleted_hlc IS NULL').all() as { id: string; name_key: string }[]).map((p) => [p.name_key, p.id]),
  );
  const newProducts = new Map<string, { id: string; name: string; vendor: string | null }>();
  const findEnt = sqlite.prepare('SELECT * FROM licence_entitlements WHERE product_id = ? AND licence_key = ? AND deleted_hlc IS NULL');
  type Ent = Record<string, unknown>;
  const creates: { id: string; productId: string; row: Ent; person: string | null; assetId: string | null }[] = [];
  const updates: { before: Ent; changes: Ent; person: string | null; assetId: string | null }[] = [];
  let unchanged = 0;
  const seenKey = new Map<string, number>();
  if (!errors.length) {
    const assetByTag = sqlite.prepare('SELECT id FROM assets WHERE tag_key = ? AND deleted_hlc IS NULL').pluck();
    csv.rows.forEach((r, i) => {
      const row = i + 1;
      const before = errors.length;
      const get = (f: LicField) => cell(r, map, f);
      const product = get('product');
      if (!product) {
        errors.push({ row, column: header('product'), message: 'The licence has no product (item) name.' });
        return;
      }
      if (product.length > 200) errors.push({ row, column: header('product'), message: 'Longer than 200 characters.' });
      const purchaseDate = get('purchaseDate') ? take(parseDate(get('purchaseDate')), row, header('purchaseDate'), errors) : null;
      const endDate = get('expiration') ? take(parseDate(get('expiration')), row, header('expiration'), errors) : null;
      const cost = get('cost') ? take(parseMoney(get('cost')), row, header('cost'), errors) : null;
      const seats = get('seats') ? take(parseCount(get('seats')), row, header('seats'), errors) : null;
      const maintained = take(parseBool(get('maintained')), row, map.index.maintained !== undefined ? header('maintained') : '', errors);
      let assetId: string | null = null;
      if (get('assetTag')) {
        assetId = (assetByTag.get(get('assetTag').toUpperCase()) as string | undefined) ?? null;
        if (!assetId) errors.push({ row, column: header('assetTag'), message: `No asset is tagged ${get('assetTag')}.` });
      }
      const key = get('key');
      const dupKey = `${product.toLowerCase()}|${key}`;
      if (key && seenKey.has(dupKey)) errors.push({ row, column: header('key'), message: `This product and key appear again (first on row ${seenKey.get(dupKey)}).` });
      if (errors.length > before) return;
      if (key) seenKey.set(dupKey, row);
      const nameKey = product.toLowerCase();
      let productId = products.get(nameKey) ?? newProducts.get(nameKey)?.id;
      if (!productId) {
        productId = uuidv7();
        newProducts.set(nameKey, { id: productId, name: product, vendor: get('vendor') || null });
      }
      const person = people.resolve({ username: get('username'), email: get('email'), fullName: get('fullName') });
      if (!person && (get('username') || get('email')) && !people.mayCreate) {
        errors.push({ row, column: header(get('username') ? 'username' : 'email'), message: `Nobody called ${get('username') || get('email')} is in Outpost. Import the users file first (an administrator can).` });
        return;
      }
      const fields: Ent = {
        licence_key: key || null,
        start_date: purchaseDate ?? null,
        end_date: endDate ?? null,
        cost: cost ?? null,
        supplier: get('supplier') || null,
        order_number: get('orderNumber') || get('purchaseOrder') || null,
        licensed_to: [get('licensedToName'), get('licensedToEmail') ? `<${get('licensedToEmail')}>` : ''].filter(Boolean).join(' ') || null,
        notes: get('notes') || null,
        seats: seats ?? 1,
        type: maintained && endDate ? 'subscription' : person ? 'per_user' : 'per_device',
      };
      const existing = key && products.has(nameKey) ? (findEnt.get(productId, key) as Ent | undefined) : undefined;
      if (!existing) {
        creates.push({ id: uuidv7(), productId, row: fields, person, assetId });
        if (preview.length < 20) preview.push({ row, action: 'create', product, seats: fields.seats as number, endDate: endDate ?? null, assignedTo: get('username') || null });
        return;
      }
      const changes: Ent = {};
      for (const [k, v] of Object.entries(fields)) if (v !== null && existing[k] !== v && k !== 'type') changes[k] = v;
      if (!Object.keys(changes).length && !person && !assetId) {
        unchanged++;
        return;
      }
      updates.push({ before: existing, changes, person, assetId });
      if (preview.length < 20) preview.push({ row, action: 'update', product, seats: (changes.seats as number | undefined) ?? (existing.seats as number | null), endDate: endDate ?? null, assignedTo: get('username') || null });
    });
  }
  const assign = (w: WriteScope, entitlementId: string, userId: string | null, assetId: string | null) => {
    if (!userId && !assetId) return;
    const has = sqlite
      .prepare('SELECT 1 FROM licence_assignments WHERE entitlement_id = ? AND user_id IS ? AND asset_id IS ? AND deleted_hlc IS NULL')
      .get(entitlementId, userId, assetId);
    if (has) return;
    // The same id as licences.assign gives (see set-ids.ts), so an import and a hand assignment merge.
    const id = setRowId('licence_assignments', entitlementId, assetId, userId);
    setMember(storeOf(sqlite), w, 'licence_assignments', id, siteId, { entitlement_id: entitlementId, asset_id: assetId, user_id: userId }, true);
  };
  return {
    errors,
    columns: { recognised: map.recognised, ignored: map.ignored },
    notes: map.notes,
    warnings: map.warnings,
    preview,
    created: creates.length,
    updated: updates.length,
    unchanged,
    apply(w) {
      people.commit(w, siteId);
      for (const p of newProducts.values()) {
        createRecord(storeOf(sqlite), w, 'software_products', p.id, GLOBAL_SCOPE, { name: p.name, name_key: p.name.toLowerCase(), vendor: p.vendor, match_names: '[]' });
      }
      for (const c of creates) {
        createRecord(storeOf(sqlite), w, 'licence_entitlements', c.id, siteId, { ...(c.row as Values), product_id: c.productId });
        assign(w, c.id, people.id(c.person), c.assetId);
      }
      for (const u of updates) {
        const id = u.before.id as string;
        updateRecord(storeOf(sqlite), w, 'licence_entitlements', id, u.changes as Values, { row: u.before });
        assign(w, id, people.id(u.person), u.assetId);
      }
    },
  };
}

// ---------------------------------------------------------------- models

type ModelField = 'name' | 'category' | 'manufacturer' | 'modelNumber' | 'eol' | 'notes';
const MODEL_ALIASES: Record<string, ModelField> = {
  name: 'name',
  'model name': 'name',
  model: 'name',
  category: 'category',
  manufacturer: 'manufacturer',
  'model number': 'modelNumber',
  'model no': 'modelNumber',
  eol: 'eol',
  'eol months': 'eol',
  'model notes': 'notes',
  notes: 'notes',
};

/**
 * Models are a catalogue (team-wide synced rows, see ../models.ts); importing one fills blanks on the assets of
 * that model: category, manufacturer, model number, and an EOL date from the purchase date.
 */
export function planModels(sqlite: Database.Database, csv: ParsedCsv): Planned {
  const map = mapColumns(csv.headers, csv.rows, MODEL_ALIASES, ['name']);
  const errors = [...map.errors];
  const catalogue = readModels(sqlite);
  const next = { ...catalogue };
  const preview: Record<string, string | number | null>[] = [];
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const seen = new Map<string, number>();
  if (!errors.length) {
    csv.rows.forEach((r, i) => {
      const row = i + 1;
      const get = (f: ModelField) => cell(r, map, f);
      const name = get('name');
      if (!name) {
        errors.push({ row, column: csv.headers[map.index.name!] ?? 'name', message: 'The model name is empty.' });
        return;
      }
      const key = name.toLowerCase();
      if (seen.has(key)) {
        errors.push({ row, column: csv.headers[map.index.name!] ?? 'name', message: `"${name}" appears again (first on row ${seen.get(key)}).` });
        return;
      }
      seen.set(key, row);
      const eol = take(parseCount(get('eol')), row, map.index.eol !== undefined ? (csv.headers[map.index.eol] ?? 'EOL') : 'EOL', errors);
      if (eol === undefined) return;
      const m: AssetModel = { name, category: get('category') || null, manufacturer: get('manufacturer') || null, modelNumber: get('modelNumber') || null, eolMonths: eol };
      const old = catalogue[key];
      if (!old) created++;
      else if (JSON.stringify(old) !== JSON.stringify(m)) updated++;
      else unchanged++;
      next[key] = m;
      if (preview.length < 20) preview.push({ row, action: old ? 'update' : 'create', name, category: m.category, manufacturer: m.manufacturer, eolMonths: eol });
    });
  }
  return {
    errors,
    columns: { recognised: map.recognised, ignored: map.ignored },
    notes: map.notes,
    warnings: map.warnings,
    preview,
    created,
    updated,
    unchanged,
    apply(w) {
      writeModels(sqlite, w, next);
      const assetsOf = sqlite.prepare('SELECT id, scope_id, field_hlc, category, manufacturer, model_number, purchase_date, eol_date FROM assets WHERE model = ? COLLATE NOCASE AND deleted_hlc IS NULL');
      for (const m of Object.values(next)) {
        for (const a of assetsOf.all(m.name) as Record<string, string | null>[]) {
          const changes: Record<string, unknown> = {};
          if (!a.category && m.category) changes.category = m.category;
          if (!a.manufacturer && m.manufacturer) changes.manufacturer = m.manufacturer;
          if (!a.model_number && m.modelNumber) changes.model_number = m.modelNumber;
          if (!a.eol_date && a.purchase_date && m.eolMonths) changes.eol_date = addMonths(a.purchase_date, m.eolMonths);
          updateRecord(storeOf(sqlite), w, 'assets', a.id!, changes as Values, { row: a });
        }
      }
    },
  };
}
