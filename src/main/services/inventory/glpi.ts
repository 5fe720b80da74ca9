/**
 * Automated inventory: GLPI inventory JSON (what glpi-agent sends) and the OCS/FusionInventory XML
 * that older agents post, both turned into one shape and matched to an asset of the importing site
 * on serial, then hardware UUID, then name. The asset gets its hardware facts and its
 * installed-software list.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { Ajv, type ValidateFunction } from 'ajv';
import { XMLParser } from 'fast-xml-parser';
import type { Ctx } from '../core/context';
import type { WriteScope } from '../core/write';
import { createRecord, deleteRecord, storeOf } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import type { HardwareFacts, ImportError } from '../../../shared/api/assets';
import { normaliseTag, type AssetType } from '../../../shared/assets/rules';
import { appendAssetHistory, insertAsset, setAssetColumns, stmt } from '../assets/assets';
import type { AssetRaw } from '../assets/mapping';
import type { Planned } from '../assets/import/others';

type Obj = Record<string, unknown>;

/** One inventory as the GLPI format defines it: { deviceid, itemtype?, content: {...} }. */
export interface InventoryDoc {
  deviceid: string;
  itemtype?: string;
  content: Obj;
}

// ---------------------------------------------------------------- schema

let validator: ValidateFunction | null | undefined;

/**
 * The GLPI inventory JSON schema (glpi-project/inventory_format). It is not bundled: Outpost looks
 * for it at OUTPOST_GLPI_SCHEMA, then in the fixtures folder (OUTPOST_FIXTURES or ../shared/fixtures).
 * Without it, inventories are still checked structurally below.
 */
export function glpiSchemaValidator(): ValidateFunction | null {
  if (validator !== undefined) return validator;
  const candidates = [
    process.env.OUTPOST_GLPI_SCHEMA,
    process.env.OUTPOST_FIXTURES && path.join(process.env.OUTPOST_FIXTURES, 'inventory/glpi-inventory.schema.json'),
    path.resolve(process.cwd(), '../shared/fixtures/inventory/glpi-inventory.schema.json'),
  ].filter((p): p is string => !!p);
  validator = null;
  for (const p of candidates) {
    if (!fs.existsSync(p)) continue;
    const schema = JSON.parse(fs.readFileSync(p, 'utf8')) as Obj;
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    validator = ajv.compile(schema);
    break;
  }
  return validator;
}

// ---------------------------------------------------------------- reading

const str = (v: unknown): string | null => {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s ? s : null;
};
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/[^\d.]/g, '')) : NaN;
  return Number.isFinite(n) ? n : null;
};
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Obj[]) : v && typeof v === 'object' ? [v as Obj] : []);
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** Serials that BIOSes report when nobody filled them in. */
const JUNK_SERIAL = /^(0+|none|n\/a|na|default string|to be filled by o\.e\.m\.?|system serial number|not specified|123456789|x+|unknown)$/i;
const usable = (s: string | null) => (s && !JUNK_SERIAL.test(s) ? s : null);

export interface InventoryFacts {
  itemtype: string;
  deviceid: string;
  name: string | null;
  serial: string | null;
  uuid: string | null;
  assetTag: string | null;
  manufacturer: string | null;
  model: string | null;
  type: AssetType;
  hardware: HardwareFacts;
  software: { name: string; vendor: string | null; version: string | null; installedOn: string | null }[];
  /** False when the report has no software section (a partial inventory): the stored list stays. */
  hasSoftware: boolean;
}

function typeOf(itemtype: string, chassis: string | null): AssetType {
  if (itemtype === 'Phone') return 'phone';
  if (itemtype === 'Printer') return 'printer';
  if (itemtype === 'NetworkEquipment') return 'network';
  const c = (chassis ?? '').toLowerCase();
  if (/laptop|notebook|portable|convertible|detachable|tablet|sub notebook/.test(c)) return 'laptop';
  if (/server|rack|blade|multi-system/.test(c)) return 'server';
  return 'desktop';
}

function installDate(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s) ?? null;
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  const d = /^(\d{2})\/(\d{2})\/(\d{4})/.exec(s);
  return d ? `${d[3]}-${d[2]}-${d[1]}` : null;
}

export function factsOf(doc: InventoryDoc): InventoryFacts {
  const c = doc.content;
  const hw = obj(c.hardware);
  const bios = obj(c.bios);
  const os = obj(c.operatingsystem);
  const nd = obj(c.network_device);
  const itemtype = str(doc.itemtype) ?? (Object.keys(nd).length ? str(nd.type) === 'Printer' ? 'Printer' : 'NetworkEquipment' : 'Computer');
  const cpus = arr(c.cpus);
  const networks = arr(c.networks);
  const ips = new Set<string>();
  const macs = new Set<string>();
  for (const n of networks) {
    const ip = str(n.ipaddress);
    if (ip && !ip.startsWith('127.')) ips.add(ip);
    const mac = str(n.mac) ?? str(n.macaddr);
    if (mac && mac !== '00:00:00:00:00:00' && !n.virtualdev) macs.add(mac.toLowerCase());
  }
  for (const ip of Array.isArray(nd.ips) ? nd.ips : []) if (typeof ip === 'string' && !ip.startsWith('127.')) ips.add(ip);
  if (str(nd.mac)) macs.add(str(nd.mac)!.toLowerCase());
  const disks = arr(c.storages).reduce((s, d) => s + (num(d.disksize) ?? 0), 0);
  const assetTag = str(bios.assettag);
  const vc = str(c.versionclient);
  return {
    itemtype,
    deviceid: doc.deviceid,
    name: str(hw.name) ?? str(nd.name),
    serial: usable(str(bios.ssn)) ?? usable(str(nd.serial)) ?? usable(str(bios.msn)),
    uuid: usable(str(hw.uuid)),
    assetTag: assetTag && !JUNK_SERIAL.test(assetTag) && /^[\w.\-/]{2,64}$/.test(assetTag) && assetTag !== 'release-keys' ? assetTag : null,
    manufacturer: str(bios.smanufacturer) ?? str(nd.manufacturer) ?? str(bios.mmanufacturer),
    model: str(bios.smodel) ?? str(nd.model) ?? str(bios.mmodel),
    type: typeOf(itemtype, str(hw.chassis_type)),
    hardware: {
      os: str(os.full_name) ?? str(os.name),
      osVersion: str(os.version) ?? str(os.kernel_version) ?? str(nd.firmware),
      cpu: str(cpus[0]?.name) ?? null,
      cores: cpus.length ? cpus.reduce((s, x) => s + (num(x.core) ?? 1), 0) : (num(nd.cpu) ?? null),
      memoryMb: num(hw.memory) ?? num(nd.ram),
      diskGb: disks ? Math.round(disks / 1000) : null,
      ipAddresses: [...ips].slice(0, 50),
      macAddresses: [...macs].slice(0, 50),
      biosVersion: str(bios.bversion),
      lastUser: str(hw.lastloggeduser),
      agent: vc,
    },
    hasSoftware: c.softwares !== undefined,
    software: arr(c.softwares)
      .map((s) => ({ name: str(s.name) ?? '', vendor: str(s.publisher), version: str(s.version), installedOn: installDate(s.install_date) }))
      .filter((s) => s.name)
      .map((s) => ({ ...s, name: s.name.slice(0, 200), vendor: s.vendor?.slice(0, 200) ?? null, version: s.version?.slice(0, 64) ?? null })),
  };
}

/** Structural checks that hold with or without the JSON schema. */
function structural(d: unknown): string | null {
  if (!d || typeof d !== 'object' || Array.isArray(d)) return 'An inventory must be a JSON object.';
  const o = d as Obj;
  if (typeof o.deviceid !== 'string' || !o.deviceid.trim()) return 'The inventory has no deviceid.';
  if (!o.content || typeof o.content !== 'object' || Array.isArray(o.content)) return 'The inventory has no content object.';
  return null;
}

export function parseGlpiJson(text: string): { docs: { doc: InventoryDoc; row: number }[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { docs: [], errors: [{ row: 0, column: '', message: `The file is not valid JSON: ${(e as Error).message}` }] };
  }
  const list = Array.isArray(data) ? data : [data];
  const validate = glpiSchemaValidator();
  const docs: { doc: InventoryDoc; row: number }[] = [];
  list.forEach((d, i) => {
    const row = i + 1;
    const bad = structural(d);
    if (bad) {
      errors.push({ row, column: '', message: bad });
      return;
    }
    if (validate && !validate(d)) {
      for (const e of (validate.errors ?? []).slice(0, 20)) {
        errors.push({ row, column: e.instancePath || '/', message: `Does not match the GLPI inventory format: ${e.message ?? 'invalid'}${e.params && 'allowedValue' in e.params ? ` (${String(e.params.allowedValue)})` : ''}.` });
      }
      return;
    }
    docs.push({ doc: d as InventoryDoc, row });
  });
  return { docs, errors };
}

// ---------------------------------------------------------------- OCS / FusionInventory XML

/** XML sections that repeat: the GLPI JSON format has them as arrays under the lower-cased name. */
const LIST_SECTIONS = new Set([
  'SOFTWARES',
  'CPUS',
  'NETWORKS',
  'STORAGES',
  'MEMORIES',
  'DRIVES',
  'MONITORS',
  'PRINTERS',
  'USBDEVICES',
  'VIDEOS',
  'SOUNDS',
  'CONTROLLERS',
  'INPUTS',
  'PORTS',
  'SLOTS',
  'USERS',
  'BATTERIES',
  'PROCESSES',
  'ENVS',
  'VIRTUALMACHINES',
  'LOCAL_USERS',
  'LOCAL_GROUPS',
  'ANTIVIRUS',
  'FIREWALLS',
  'LICENSEINFOS',
  'PHYSICAL_VOLUMES',
  'LOGICAL_VOLUMES',
  'VOLUME_GROUPS',
]);

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => LIST_SECTIONS.has(name),
});

function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) out[k.toLowerCase()] = lowerKeys(x);
    return out;
  }
  return v;
}

export interface AgentRequest {
  query: string;
  deviceid: string;
  doc: InventoryDoc | null;
}

/** An OCS request body (already inflated): PROLOG or INVENTORY, with the inventory in GLPI shape. */
export function parseAgentXml(text: string): AgentRequest {
  let parsed: Obj;
  try {
    parsed = xml.parse(text) as Obj;
  } catch (e) {
    throw new Error(`The request is not valid XML: ${(e as Error).message}`, { cause: e });
  }
  const req = obj(parsed.REQUEST);
  const query = (str(req.QUERY) ?? '').toUpperCase();
  const deviceid = str(req.DEVICEID) ?? '';
  if (!query) throw new Error('The request has no QUERY.');
  if (query !== 'INVENTORY') return { query, deviceid, doc: null };
  const content = lowerKeys(obj(req.CONTENT)) as Obj;
  // The XML has OPERATINGSYSTEM, HARDWARE and BIOS once; a repeated one keeps the first.
  for (const k of ['hardware', 'bios', 'operatingsystem']) if (Array.isArray(content[k])) content[k] = (content[k] as unknown[])[0];
  return { query, deviceid, doc: { deviceid, itemtype: 'Computer', content } };
}

// ---------------------------------------------------------------- matching and writing

interface DocPlan {
  row: number;
  facts: InventoryFacts;
  match: AssetRaw | null;
  tag: string;
}

/**
 * The asset an inventory describes, looked up in the importing site only: a site's agent token (or
 * an import into a site) never finds, and so never writes, another site's assets. A serial or
 * hardware UUID that belongs to an asset of another site is refused (`elsewhere`) rather than
 * creating a twin; a name is too weak a key to refuse on, so a name used elsewhere is just not a match.
 */
function findAsset(sqlite: Database.Database, f: InventoryFacts, siteId: string): { match: AssetRaw | null; elsewhere: 'serial' | 'uuid' | null } {
  const q = (col: string, v: string | null) =>
    v ? ((stmt(sqlite, `SELECT rowid, * FROM assets WHERE ${col} = ? AND scope_id = ? AND deleted_hlc IS NULL ORDER BY created_at LIMIT 1`).get(v, siteId) as AssetRaw | undefined) ?? null) : null;
  const other = (col: 'serial' | 'uuid', v: string | null) =>
    !!v && !!stmt(sqlite, `SELECT 1 FROM assets WHERE ${col} = ? AND scope_id != ? AND deleted_hlc IS NULL LIMIT 1`).get(v, siteId);
  const bySerial = q('serial', f.serial);
  if (bySerial) return { match: bySerial, elsewhere: null };
  if (other('serial', f.serial)) return { match: null, elsewhere: 'serial' };
  const byUuid = q('uuid', f.uuid);
  if (byUuid) return { match: byUuid, elsewhere: null };
  if (other('uuid', f.uuid)) return { match: null, elsewhere: 'uuid' };
  const byName = f.name
    ? ((stmt(sqlite, `SELECT rowid, * FROM assets WHERE name = ? COLLATE NOCASE AND scope_id = ? AND deleted_hlc IS NULL ORDER BY created_at LIMIT 1`).get(f.name, siteId) as AssetRaw | undefined) ?? null)
    : null;
  return { match: byName, elsewhere: null };
}

function newTag(sqlite: Database.Database, f: InventoryFacts, taken: Set<string>): string {
  const free = (t: string) => !taken.has(normaliseTag(t)) && !sqlite.prepare('SELECT 1 FROM assets WHERE tag_key = ?').get(normaliseTag(t));
  if (f.assetTag && free(f.assetTag)) return f.assetTag;
  const base = `INV-${(f.serial ?? f.name ?? f.deviceid).replace(/[^\w.-]+/g, '').slice(0, 40).toUpperCase() || 'DEVICE'}`;
  let t = base;
  for (let i = 2; !free(t); i++) t = `${base}-${i}`;
  return t;
}

/** Replaces the asset's inventory-sourced software with what the agent saw (manual entries stay). */
export function syncSoftware(sqlite: Database.Database, w: WriteScope, assetId: string, scopeId: string, list: InventoryFacts['software']): { added: number; removed: number } {
  const current = sqlite.prepare(`SELECT id, name_key, coalesce(version, '') AS version FROM installed_software WHERE asset_id = ? AND source = 'inventory' AND deleted_hlc IS NULL`).all(assetId) as {
    id: string;
    name_key: string;
    version: string;
  }[];
  const want = new Map<string, InventoryFacts['software'][number]>();
  for (const s of list) want.set(`${s.name.toLowerCase()}\u0000${s.version ?? ''}`, s);
  let removed = 0;
  for (const r of current) {
    const k = `${r.name_key}\u0000${r.version}`;
    if (want.has(k)) want.delete(k);
    else {
      deleteRecord(storeOf(sqlite), w, 'installed_software', r.id, { audit: false });
      removed++;
    }
  }
  for (const s of want.values()) {
    const row = { asset_id: assetId, name: s.name, name_key: s.name.toLowerCase(), vendor: s.vendor, version: s.version, installed_on: s.installedOn, source: 'inventory' };
    createRecord(storeOf(sqlite), w, 'installed_software', uuidv7(), scopeId, row, { audit: false });
  }
  return { added: want.size, removed };
}

export function planInventories(ctx: Ctx, docs: { doc: InventoryDoc; row: number }[], siteId: string, errors: ImportError[] = []): Planned {
  const sqlite = ctx.store.sqlite;
  const plans: DocPlan[] = [];
  const taken = new Set<string>();
  const preview: Record<string, string | number | null>[] = [];
  for (const { doc, row } of docs) {
    const facts = factsOf(doc);
    if (!facts.serial && !facts.uuid && !facts.name) {
      errors.push({ row, column: '/content', message: 'The inventory gives no serial number, hardware UUID or name to identify the device.' });
      continue;
    }
    const { match, elsewhere } = findAsset(sqlite, facts, siteId);
    if (elsewhere) {
      // Says which key, not which site or asset: the token holder learns nothing about other sites.
      const what = elsewhere === 'serial' ? `Serial number ${facts.serial}` : `Hardware UUID ${facts.uuid}`;
      errors.push({ row, column: elsewhere === 'serial' ? '/content/bios/ssn' : '/content/hardware/uuid', message: `${what} belongs to an asset of another site; this site's inventory cannot change it. Move the asset to this site in Outpost first.` });
      continue;
    }
    const tag = match ? match.tag : newTag(sqlite, facts, taken);
    taken.add(normaliseTag(tag));
    plans.push({ row, facts, match, tag });
    if (preview.length < 20)
      preview.push({ row, action: match ? 'update' : 'create', tag, name: facts.name, serial: facts.serial, matchedOn: match ? (facts.serial && match.serial === facts.serial ? 'serial' : facts.uuid && match.uuid === facts.uuid ? 'uuid' : 'name') : null, software: facts.software.length });
  }
  return {
    errors,
    columns: { recognised: {}, ignored: [] },
    preview,
    created: plans.filter((p) => !p.match).length,
    updated: plans.filter((p) => p.match).length,
    unchanged: 0,
    apply(w) {
      for (const p of plans) applyInventory(sqlite, w, p, siteId);
    },
  };
}

function applyInventory(sqlite: Database.Database, w: WriteScope, p: DocPlan, siteId: string): string {
  const f = p.facts;
  const hardware = JSON.stringify(f.hardware);
  let assetId: string;
  let scope: string;
  if (!p.match) {
    scope = siteId;
    assetId = insertAsset(sqlite, w, siteId, {
      tag: p.tag,
      tag_key: normaliseTag(p.tag),
      name: f.name ?? p.tag,
      type: f.type,
      status: 'deployed',
      manufacturer: f.manufacturer,
      model: f.model,
      serial: f.serial,
      uuid: f.uuid,
      hardware,
      last_inventory_at: w.now,
    });
    appendAssetHistory(sqlite, w, assetId, scope, { kind: 'status', from: null, to: 'deployed', reason: 'Discovered by inventory' });
  } else {
    assetId = p.match.id;
    scope = p.match.scope_id;
    // Inventory is the truth for what it measures; it fills identity blanks but never renames a tagged asset.
    // A partial report (only changed sections) must not blank what it left out: known facts stay.
    const prior = p.match.hardware ? (JSON.parse(p.match.hardware) as Record<string, unknown>) : {};
    const merged: Record<string, unknown> = { ...prior };
    for (const [k, v] of Object.entries(f.hardware)) if (v !== null && !(Array.isArray(v) && !v.length)) merged[k] = v;
    const changes: Record<string, unknown> = { hardware: JSON.stringify(merged), last_inventory_at: w.now };
    if (!p.match.serial && f.serial) changes.serial = f.serial;
    if (!p.match.uuid && f.uuid) changes.uuid = f.uuid;
    if (!p.match.manufacturer && f.manufacturer) changes.manufacturer = f.manufacturer;
    if (!p.match.model && f.model) changes.model = f.model;
    setAssetColumns(sqlite, w, p.match, changes, false);
  }
  const sw = f.hasSoftware ? syncSoftware(sqlite, w, assetId, scope, f.software) : { added: 0, removed: 0 };
  appendAssetHistory(sqlite, w, assetId, scope, {
    kind: 'inventory',
    field: f.hardware.agent ?? 'inventory',
    reason: `${f.software.length} software titles (${sw.added} new, ${sw.removed} removed)`,
  });
  return assetId;
}

export function planGlpiImport(ctx: Ctx, text: string, siteId: string): Planned {
  const { docs, errors } = parseGlpiJson(text);
  return planInventories(ctx, docs, siteId, errors);
}
