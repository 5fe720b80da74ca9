/**
 * tickets.import for a ServiceNow incident export in its event-log layout: one row per update of an
 * incident (`number`, `incident_state`, `sys_mod_count`, `made_sla`, `dd-mm-yyyy HH:MM` times, `?`
 * for empty). The rows of one number fold into one ticket: its latest fields, its status history and
 * reassignments as timeline entries at the file's times, the recorded SLA outcome (and, in the
 * report, Outpost's own SLA outcome computed from the folded history under the team's policy), and the source
 * number kept to find the ticket again (a re-import updates it, never doubles it). The file is read
 * as a stream, every row is checked before anything is written, and the write is all-or-nothing.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import Papa from 'papaparse';
import type { Ctx } from '../../core/context';
import { requireActor, write, type WriteScope } from '../../core/write';
import { startImportJob } from '../../core/import-job';
import { createRecord, transitionRecord, updateRecord } from '../../core/record';
import { setRowId } from '../../core/set-ids';
import { BulkSink } from '../../core/bulk';
import { deviceGuard } from '../../core/guard';
import { StringPool } from '../../core/own-string';
import { writeGate } from '../../../db/write-gate';
import { faultPoint } from '../../../db/fault-point';
import { AppError } from '../../../../shared/result';
import { uuidv7 } from '../../../../shared/ids';
import { formatNumber, isOpen, priorityFor, type PendingReason, type TicketStatus } from '../../../../shared/tickets/rules';
import type { ImportError, ImportJobStatus } from '../../../../shared/api/assets';
import type { OwnSlaFigures, TicketImportResult } from '../../../../shared/api/tickets';
import { TRANSITION_FIELDS } from '../../../../shared/sync/access';
import { priorityMatrix } from '../../settings/settings';
import { reserveNumbers } from '../../core/numbers';
import { releaseUpload, uploadFile, uploadStream, type UploadFile } from '../../uploads/uploads';
import { recomputeSla } from '../../sla/recompute';
import { loadSlaSetup, type SlaSetup } from '../../sla/load';
import { slaOfTicket } from '../../sla/recompute';
import type { StatusEvent } from '../../../../shared/sla/clock';
import { NO_PASSWORD } from '../../assets/import/resolve';
import { median, mean, hoursBetween, percent } from '../../kpis/stats';

const GLOBAL_SCOPE = 'global';
const MAX_ERRORS = 500;
/** Tickets per write inside the import's one transaction: progress is reported between them. */
const CHUNK = 500;
/** From this many records, audit events list up to 500 records each (see AuditBatch). */
const GROUP_FROM = 5_000;

/** The columns the fold reads; others in the file are kept out of memory. */
const REQUIRED = ['number', 'incident_state', 'reassignment_count', 'reopen_count', 'sys_mod_count', 'made_sla', 'opened_at', 'sys_updated_at', 'impact', 'urgency', 'priority'] as const;
const OPTIONAL = ['caller_id', 'opened_by', 'sys_updated_by', 'contact_type', 'location', 'category', 'subcategory', 'u_symptom', 'cmdb_ci', 'assignment_group', 'assigned_to', 'closed_code', 'resolved_by', 'resolved_at', 'closed_at'] as const;
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

import { SERVICENOW_REASON_PREFIX, SERVICENOW_STATES } from '../../../../shared/tickets/servicenow-states';

const CHANNELS: Record<string, string> = { phone: 'phone', email: 'email', 'self service': 'portal', 'self-service': 'portal', portal: 'portal', 'walk-in': 'walk_in', 'walk in': 'walk_in', chat: 'chat', monitoring: 'monitoring', 'direct opening': 'walk_in' };

/** One update of an incident, as much of it as the fold needs. */
interface SnEvent {
  row: number;
  number: string;
  state: string;
  status: TicketStatus;
  pending: PendingReason | null;
  reassignments: number;
  reopens: number;
  mod: number;
  madeSla: boolean;
  openedAt: number;
  updatedAt: number;
  impact: 1 | 2 | 3;
  urgency: 1 | 2 | 3;
  priority: 1 | 2 | 3 | 4;
  caller: string | null;
  updatedBy: string | null;
  contact: string | null;
  location: string | null;
  category: string | null;
  subcategory: string | null;
  symptom: string | null;
  ci: string | null;
  group: string | null;
  assignee: string | null;
  closeCode: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  closedAt: number | null;
}

/** The export's bytes from the call, or an upload's file (decrypted as it is read). */
export type ImportSource = { bytes: Buffer } | { upload: UploadFile };

export interface ServiceNowImportOptions {
  dryRun: boolean;
  siteId?: string;
  onProgress?(p: { phase: ImportJobStatus['phase']; done: number; total: number }): void;
}

const DATE = /^(\d{1,2})-(\d{1,2})-(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** `dd-mm-yyyy HH:MM` (the export's wall time, read as UTC) → epoch ms; null for `?`; undefined when malformed. */
export function parseServiceNowTime(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '?' || t === '') return null;
  const m = DATE.exec(t);
  if (!m) return undefined;
  const [d, mo, y, h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1 || back.getUTCFullYear() !== y || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/**
 * Names repeat across a file's rows (callers, groups, categories): each is kept once, as its own
 * copy, so the events do not pin the parser's chunks of the file in memory through substrings.
 */
class Strings {
  private readonly pool = new StringPool();
  get(v: string | undefined): string | null {
    const t = (v ?? '').trim();
    if (t === '' || t === '?') return null;
    return this.pool.own(t);
  }
}

/** "2 - Medium" → 2 within [1, max]. */
function level(text: string, max: number): number | undefined {
  const m = /^\s*(\d)\b/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= max ? n : undefined;
}

function count(text: string): number | undefined {
  const t = text.trim();
  return /^\d{1,6}$/.test(t) ? Number(t) : undefined;
}

function bool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : undefined;
}

/** Reads the file's rows as a stream, checking each, keeping only what the fold needs. */
async function readEvents(source: ImportSource, onBytes: (done: number, total: number) => void): Promise<{ events: SnEvent[]; errors: ImportError[]; rows: number; sha256: string }> {
  const hash = createHash('sha256');
  let total: number;
  let input: Readable;
  if ('bytes' in source) {
    total = source.bytes.length;
    input = Readable.from([source.bytes]);
  } else {
    total = source.upload.size;
    input = uploadStream(source.upload);
  }
  let read = 0;
  let lastReport = 0;
  input.on('data', (c: Buffer) => {
    hash.update(c);
    read += c.length;
    if (read - lastReport >= 4 * 1024 * 1024 || read === total) {
      lastReport = read;
      onBytes(read, total);
    }
  });

  const events: SnEvent[] = [];
  const errors: ImportError[] = [];
  const strings = new Strings();
  const nullable = (v: string | undefined) => strings.get(v);
  let col: Record<Column, number> | null = null;
  let names: string[] = [];
  let rows = 0;
  const err = (row: number, column: string, message: string) => {
    if (errors.length <= MAX_ERRORS) errors.push({ row, column, message });
  };
  let stop = false;
  const onRow = (cells: string[]) => {
    if (stop) return;
    if (!col) {
      names = cells.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      const lower = names.map((n) => n.toLowerCase());
      const missing = REQUIRED.filter((c) => !lower.includes(c));
      if (missing.length) {
        err(0, '', `This is not a ServiceNow incident event log: the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}.`);
        stop = true;
        return;
      }
      col = Object.fromEntries([...REQUIRED, ...OPTIONAL].map((c) => [c, lower.indexOf(c)])) as Record<Column, number>;
      return;
    }
    rows++;
    const row = rows;
    const c = col;
    const get = (k: Column) => (c[k] >= 0 ? (cells[c[k]] ?? '') : '');
    if (cells.length !== names.length) {
      err(row, '', `This row has ${cells.length} cells where the header has ${names.length}.`);
      return;
    }
    const before = errors.length;
    const number = get('number').trim();
    if (!/^[A-Za-z]{2,8}\d{1,12}$/.test(number)) err(row, 'number', `"${number}" is not an incident number (like INC0000045).`);
    const stateText = get('incident_state').trim();
    const state = SERVICENOW_STATES[stateText.toLowerCase()];
    if (!state) err(row, 'incident_state', `"${stateText}" is not a ServiceNow incident state Outpost knows (${Object.keys(SERVICENOW_STATES).join(', ')}).`);
    const nums = { reassignment_count: count(get('reassignment_count')), reopen_count: count(get('reopen_count')), sys_mod_count: count(get('sys_mod_count')) };
    for (const [k, v] of Object.entries(nums)) if (v === undefined) err(row, k, `"${get(k as Column)}" is not a whole number.`);
    const madeSla = bool(get('made_sla'));
    if (madeSla === undefined) err(row, 'made_sla', `"${get('made_sla')}" is not true or false.`);
    const times: Record<string, number | null | undefined> = {};
    for (const k of ['opened_at', 'sys_updated_at', 'resolved_at', 'closed_at'] as const) {
      const v = parseServiceNowTime(get(k));
      times[k] = v;
      if (v === undefined) err(row, k, `"${get(k)}" is not a date in the form dd-mm-yyyy HH:MM.`);
      else if (v === null && (k === 'opened_at' || k === 'sys_updated_at')) err(row, k, `${k} is empty; every update has one.`);
    }
    const impact = level(get('impact'), 3);
    if (impact === undefined) err(row, 'impact', `"${get('impact')}" is not an impact from 1 to 3 (like "2 - Medium").`);
    const urgency = level(get('urgency'), 3);
    if (urgency === undefined) err(row, 'urgency', `"${get('urgency')}" is not an urgency from 1 to 3 (like "2 - Medium").`);
    const priority = level(get('priority'), 4);
    if (priority === undefined) err(row, 'priority', `"${get('priority')}" is not a priority from 1 to 4 (like "3 - Moderate").`);
    if (errors.length > before) return;
    events.push({
      row,
      number: strings.get(number)!,
      state: strings.get(stateText)!,
      status: state!.status,
      pending: state!.pending ?? null,
      reassignments: nums.reassignment_count!,
      reopens: nums.reopen_count!,
      mod: nums.sys_mod_count!,
      madeSla: madeSla!,
      openedAt: times.opened_at!,
      updatedAt: times.sys_updated_at!,
      impact: impact as 1 | 2 | 3,
      urgency: urgency as 1 | 2 | 3,
      priority: priority as 1 | 2 | 3 | 4,
      caller: nullable(get('caller_id')),
      updatedBy: nullable(get('sys_updated_by')),
      contact: nullable(get('contact_type')),
      location: nullable(get('location')),
      category: nullable(get('category')),
      subcategory: nullable(get('subcategory')),
      symptom: nullable(get('u_symptom')),
      ci: nullable(get('cmdb_ci')),
      group: nullable(get('assignment_group')),
      assignee: nullable(get('assigned_to')),
      closeCode: nullable(get('closed_code')),
      resolvedBy: nullable(get('resolved_by')),
      resolvedAt: times.resolved_at ?? null,
      closedAt: times.closed_at ?? null,
    });
  };
  await new Promise<void>((resolve, reject) => {
    input.on('error', reject);
    // Rows are handed over one at a time as the stream is read: memory holds the kept fields, not the file.
    Papa.parse(input as unknown as File, {
      header: false,
      skipEmptyLines: 'greedy',
      step: (r: Papa.ParseStepResult<string[]>) => onRow(r.data),
      complete: () => resolve(),
      error: (e: Error) => reject(e),
    });
  });
  if (!col && !errors.length) err(0, '', 'The file is empty.');
  if (col && rows === 0) err(0, '', 'The file has a header but no rows.');
  onBytes(total, total);
  return { events, errors, rows, sha256: hash.digest('hex') };
}

/**
 * The events of one number in the order they happened: by update count (sys_mod_count). Two rows
 * with the same update count are one update exported twice, one of them stale: the later one (by
 * update time, then file order) is kept, so a stale copy cannot put a status back in time.
 */
export function orderEvents(events: SnEvent[]): SnEvent[] {
  const byMod = new Map<number, SnEvent>();
  for (const e of events) {
    const have = byMod.get(e.mod);
    if (!have || e.updatedAt > have.updatedAt || (e.updatedAt === have.updatedAt && e.row > have.row)) byMod.set(e.mod, e);
  }
  return [...byMod.values()].sort((a, b) => a.mod - b.mod);
}

interface HistoryPlan {
  /** Stable per event and kind, so a re-import finds what it wrote before. */
  key: string;
  at: string;
  kind: 'status' | 'field';
  field: string | null;
  from: string | null;
  to: string | null;
  reason: string | null;
}

interface IncidentPlan {
  number: string;
  fields: Record<string, string | number | null>;
  status: TicketStatus;
  assignee: string | null;
  group: string | null;
  caller: string | null;
  history: HistoryPlan[];
  file: { resolved: boolean; reopened: boolean; madeSla: boolean };
  /** Outpost's reading of the folded history. */
  own: { reopened: boolean; resolvedAt: number | null; openedAt: number; slaEvents: StatusEvent[] };
}

const iso = (ms: number) => new Date(ms).toISOString();

function fold(number: string, evs: SnEvent[], matrix: ReturnType<typeof priorityMatrix>): IncidentPlan {
  const last = evs[evs.length - 1]!;
  const first = evs[0]!;
  const history: HistoryPlan[] = [];
  // A move to pending carries Outpost's pending reason, as one made here does (the SLA clock pauses on
  // the customer or a vendor, the timeline says who the ticket waits on); other moves say ServiceNow's state.
  const reasonOf = (e: SnEvent) => (e.status === 'pending' && e.pending ? e.pending : `${SERVICENOW_REASON_PREFIX}${e.state}${e.updatedBy ? ` (${e.updatedBy})` : ''}`);
  history.push({ key: `${first.mod}:${first.row}:status`, at: iso(Math.min(first.openedAt, first.updatedAt)), kind: 'status', field: null, from: null, to: first.status, reason: reasonOf(first) });
  let reopened = false;
  // What the SLA clock reads: every move of status, and of the pending reason (waiting on the
  // caller pauses the clock, waiting on a problem does not), ordered as the file's updates are
  // (the ids sort as the update counts: same-minute updates keep the file's order).
  const slaId = (e: SnEvent) => `${String(e.mod).padStart(10, '0')}:${String(e.row).padStart(10, '0')}`;
  const slaEvents: StatusEvent[] = [{ id: slaId(first), at: iso(Math.min(first.openedAt, first.updatedAt)), to: first.status, reason: first.status === 'pending' ? first.pending : null }];
  for (let i = 1; i < evs.length; i++) {
    const a = evs[i - 1]!;
    const b = evs[i]!;
    const at = iso(b.updatedAt);
    const key = `${b.mod}:${b.row}`;
    if (a.status !== b.status || (b.status === 'pending' && a.pending !== b.pending)) slaEvents.push({ id: slaId(b), at, to: b.status, reason: b.status === 'pending' ? b.pending : null });
    if (a.status !== b.status || (b.status === 'pending' && a.pending !== b.pending)) {
      // A change of what a pending incident waits on is a move of its own (pending → pending), as the SLA clock reads it.
      history.push({ key: `${key}:status`, at, kind: 'status', field: null, from: a.status, to: b.status, reason: reasonOf(b) });
      if ((a.status === 'resolved' || a.status === 'closed') && isOpen(b.status)) reopened = true;
    }
    if (a.group !== b.group) history.push({ key: `${key}:group`, at, kind: 'field', field: 'groupId', from: a.group, to: b.group, reason: null });
    if (a.assignee !== b.assignee) history.push({ key: `${key}:assignee`, at, kind: 'field', field: 'assigneeId', from: a.assignee, to: b.assignee, reason: null });
    if (a.priority !== b.priority) history.push({ key: `${key}:priority`, at, kind: 'field', field: 'priority', from: String(a.priority), to: String(b.priority), reason: null });
  }
  // First response: the first update that took the incident out of New.
  const responded = evs.find((e) => e.status !== 'new');
  const open = isOpen(last.status);
  const resolvedAt = !open && last.status !== 'cancelled' ? last.resolvedAt : null;
  const title = [last.symptom, [last.category, last.subcategory].filter(Boolean).join(' / ')].filter(Boolean).join(' — ') || `ServiceNow incident ${number}`;
  const about = [
    `Imported from ServiceNow incident ${number}.`,
    last.caller && `Caller: ${last.caller}`,
    last.location && `Location: ${last.location}`,
    last.ci && `Configuration item: ${last.ci}`,
    last.symptom && `Symptom: ${last.symptom}`,
  ].filter(Boolean);
  const matrixPriority = priorityFor(matrix, last.impact, last.urgency);
  const channel = last.contact ? (CHANNELS[last.contact.toLowerCase()] ?? null) : null;
  const fields: Record<string, string | number | null> = {
    type: 'incident',
    title: title.slice(0, 300),
    description: about.join('\n'),
    category: last.category,
    subcategory: last.subcategory,
    impact: last.impact,
    urgency: last.urgency,
    priority: last.priority,
    priority_overridden: last.priority !== matrixPriority ? 1 : 0,
    is_open: open ? 1 : 0,
    pending_reason: last.status === 'pending' ? last.pending : null,
    resolution_code: resolvedAt !== null || last.status === 'closed' ? (last.closeCode || last.resolvedBy ? 'solved_permanently' : null) : null,
    resolution_notes:
      resolvedAt !== null || last.status === 'closed'
        ? [last.closeCode && `ServiceNow close code: ${last.closeCode}`, last.resolvedBy && `resolved by ${last.resolvedBy}`].filter(Boolean).join('; ') || null
        : null,
    contact_channel: channel,
    opened_at: iso(last.openedAt),
    first_response_at: responded ? iso(Math.max(responded.updatedAt, last.openedAt)) : null,
    resolved_at: resolvedAt !== null ? iso(resolvedAt) : null,
    closed_at: last.status === 'closed' || last.status === 'cancelled' ? iso(last.closedAt ?? last.updatedAt) : null,
    sla_met: last.madeSla ? 1 : 0,
  };
  return {
    number,
    fields,
    status: last.status,
    assignee: last.assignee,
    group: last.group,
    caller: last.caller,
    history,
    file: { resolved: last.resolvedAt !== null, reopened: last.reopens > 0, madeSla: last.madeSla },
    own: { reopened, resolvedAt, openedAt: last.openedAt, slaEvents },
  };
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'person';

/** People and groups the file names, matched to the team's (by username or name, ignoring case) or to be created. */
class Directory {
  readonly users = new Map<string, { id: string; create: boolean; role: 'technician' | 'requester' }>();
  readonly groups = new Map<string, { id: string; create: boolean }>();
  private readonly byName = new Map<string, string>();
  private readonly groupByName = new Map<string, string>();

  constructor(ctx: Ctx) {
    const s = ctx.store.sqlite;
    for (const u of s.prepare('SELECT id, username, display_name FROM users WHERE deleted_hlc IS NULL').all() as { id: string; username: string; display_name: string }[]) {
      this.byName.set(u.username.toLowerCase(), u.id);
      if (!this.byName.has(u.display_name.toLowerCase())) this.byName.set(u.display_name.toLowerCase(), u.id);
    }
    for (const g of s.prepare('SELECT id, name FROM groups WHERE deleted_hlc IS NULL').all() as { id: string; name: string }[]) this.groupByName.set(g.name.toLowerCase(), g.id);
  }

  person(name: string, role: 'technician' | 'requester'): string {
    const have = this.users.get(name);
    if (have) {
      if (role === 'technician') have.role = 'technician';
      return have.id;
    }
    const found = this.byName.get(name.toLowerCase()) ?? this.byName.get(slug(name));
    const entry = found ? { id: found, create: false, role } : { id: uuidv7(), create: true, role };
    this.users.set(name, entry);
    return entry.id;
  }

  group(name: string): string {
    const have = this.groups.get(name);
    if (have) return have.id;
    const found = this.groupByName.get(name.toLowerCase());
    const entry = found ? { id: found, create: false } : { id: uuidv7(), create: true };
    this.groups.set(name, entry);
    return entry.id;
  }
}

function defaultSiteId(ctx: Ctx, wanted: string | undefined): string {
  const s = ctx.store.sqlite;
  if (wanted) {
    if (!s.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(wanted)) throw new AppError('invalid_input', 'There is no such site.', [{ path: ['siteId'], message: 'No such site.' }]);
    return wanted;
  }
  const actorSite = ctx.actor?.siteIds[0];
  if (actorSite) return actorSite;
  const first = s.prepare('SELECT id FROM sites WHERE deleted_hlc IS NULL ORDER BY created_at LIMIT 1').pluck().get() as string | undefined;
  if (!first) throw new AppError('conflict', 'Create a site before importing tickets.');
  return first;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Reads, checks and folds the file; writes it unless this is a dry run or a row has an error. */
export async function importServiceNow(ctx: Ctx, source: ImportSource, opts: ServiceNowImportOptions): Promise<TicketImportResult> {
  requireActor(ctx);
  const progress = opts.onProgress ?? (() => undefined);
  const siteId = defaultSiteId(ctx, opts.siteId);
  const read = await readEvents(source, (done, total) => progress({ phase: 'reading', done, total }));

  const byNumber = new Map<string, SnEvent[]>();
  for (const e of read.events) {
    let list = byNumber.get(e.number);
    if (!list) byNumber.set(e.number, (list = []));
    list.push(e);
  }
  const matrix = priorityMatrix(ctx);
  const plans: IncidentPlan[] = [];
  let i = 0;
  for (const [number, evs] of byNumber) {
    plans.push(fold(number, orderEvents(evs), matrix));
    if (++i % 5000 === 0) progress({ phase: 'checking', done: i, total: byNumber.size });
  }
  progress({ phase: 'checking', done: byNumber.size, total: byNumber.size });

  const sqlite = ctx.store.sqlite;
  const existing = new Map<string, string>();
  const find = sqlite.prepare('SELECT id FROM tickets WHERE source_number = ? AND deleted_hlc IS NULL ORDER BY created_at LIMIT 1').pluck();
  for (const p of plans) {
    const id = find.get(p.number) as string | undefined;
    if (id) existing.set(p.number, id);
  }
  const dir = new Directory(ctx);
  for (const p of plans) {
    if (p.caller) dir.person(p.caller, 'requester');
    if (p.assignee) dir.person(p.assignee, 'technician');
    for (const h of p.history) if (h.field === 'assigneeId' && h.to) dir.person(h.to, 'technician');
    if (p.group) dir.group(p.group);
  }

  const n = plans.length;
  const fileResolved = plans.filter((p) => p.file.resolved).length;
  const fileReopened = plans.filter((p) => p.file.reopened).length;
  const ownReopened = plans.filter((p) => p.own.reopened).length;
  const ttr = plans.filter((p) => p.own.resolvedAt !== null).map((p) => hoursBetween(p.own.openedAt, p.own.resolvedAt!));
  const ownSla = ownSlaFigures(loadSlaSetup(sqlite), plans, siteId);
  const result: TicketImportResult = {
    format: 'servicenow-events',
    dryRun: opts.dryRun,
    events: read.rows,
    incidents: n,
    created: plans.length - existing.size,
    updated: existing.size,
    unchanged: 0,
    resolved: fileResolved,
    reopened: fileReopened,
    reopenedPercent: round2(percent(fileReopened, n) ?? 0),
    madeSlaPercent: round2(percent(plans.filter((p) => p.file.madeSla).length, n) ?? 0),
    outpost: {
      resolved: ttr.length,
      reopened: ownReopened,
      reopenedPercent: round2(percent(ownReopened, n) ?? 0),
      madeSlaPercent: ownSla.measured ? round2(percent(ownSla.met, ownSla.measured)!) : null,
      sla: ownSla,
      mttrHours: { median: ttr.length ? round2(median(ttr)!) : null, mean: ttr.length ? round2(mean(ttr)!) : null },
    },
    people: { created: [...dir.users.values()].filter((u) => u.create).length, matched: [...dir.users.values()].filter((u) => !u.create).length },
    groups: { created: [...dir.groups.values()].filter((g) => g.create).length, matched: [...dir.groups.values()].filter((g) => !g.create).length },
    errors: read.errors.length > MAX_ERRORS ? [...read.errors.slice(0, MAX_ERRORS), { row: 0, column: '', message: 'More errors not shown; fix these and try again.' }] : read.errors,
    sha256: read.sha256,
  };
  if (opts.dryRun || result.errors.length) return result;
  result.unchanged = await writePlans(ctx, plans, existing, dir, siteId, result, progress);
  return result;
}

/**
 * Outpost's own resolution SLA over the folded histories: each incident under the team's policy
 * that applies to it (by priority, type, category, the import's site), on its business-hours
 * calendar, paused while waiting on the caller or a vendor: computed exactly as for a ticket worked
 * here (`slaOfTicket`). Only incidents whose resolution clock has stopped (resolved, closed) are
 * measured; open and cancelled ones, and those no policy covers, are counted apart.
 */
function ownSlaFigures(setup: SlaSetup, plans: IncidentPlan[], siteId: string): OwnSlaFigures {
  const out: OwnSlaFigures = { measured: 0, met: 0, notStopped: 0, noPolicy: 0, policies: [] };
  const used = new Set<string>();
  for (const p of plans) {
    const sla = setup.policies.length
      ? slaOfTicket(
          setup,
          {
            id: p.number,
            type: 'incident',
            category: (p.fields.category as string | null) ?? null,
            scope_id: siteId,
            priority: Number(p.fields.priority),
            opened_at: String(p.fields.opened_at),
            first_response_at: (p.fields.first_response_at as string | null) ?? null,
          },
          p.own.slaEvents,
        )
      : null;
    const clock = sla?.figures.resolution;
    if (!sla || !clock) {
      out.noPolicy++;
      continue;
    }
    used.add(sla.policy.name);
    if (clock.state !== 'stopped' || clock.met === null) {
      out.notStopped++;
      continue;
    }
    out.measured++;
    if (clock.met) out.met++;
  }
  out.policies = [...used].sort();
  return out;
}

/** Writes everything in one transaction, in chunks with progress between them; returns how many existing tickets did not change. */
async function writePlans(
  ctx: Ctx,
  plans: IncidentPlan[],
  existing: Map<string, string>,
  dir: Directory,
  siteId: string,
  result: TicketImportResult,
  progress: NonNullable<ServiceNowImportOptions['onProgress']>,
): Promise<number> {
  const sqlite = ctx.store.sqlite;
  const records = plans.reduce((s, p) => s + 1 + p.history.length, 0) + dir.users.size + dir.groups.size;
  // Each chunk's write runs in the import's one transaction without a savepoint of its own (see
  // WriteOptions.inOpenTransaction): a failure anywhere rolls the whole import back below.
  const opts = { auditOps: true, auditGroupOf: records >= GROUP_FROM ? 500 : undefined, inOpenTransaction: true };
  const created = plans.filter((p) => !existing.has(p.number));
  let unchanged = 0;
  return writeGate(sqlite).hold(async () => {
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      const numbers = ticketNumbers(sqlite, created.map((p) => p.number));
      // The people and groups first, then the tickets a chunk at a time (each chunk's tickets, then their history).
      write(
        ctx,
        (w) => {
          for (const [name, u] of dir.users) {
            if (!u.create) continue;
            createRecord(ctx, w, 'users', u.id, GLOBAL_SCOPE, { username: uniqueUsername(ctx, slug(name)), display_name: name.slice(0, 120), email: null, role: u.role, active: 0, password_hash: NO_PASSWORD });
          }
          for (const [name, g] of dir.groups) if (g.create) createRecord(ctx, w, 'groups', g.id, GLOBAL_SCOPE, { name: name.slice(0, 120), description: 'Imported from ServiceNow' });
          // The file's figures and where it came from, in the trail beside the records.
          w.audit('import', null, null, { format: 'servicenow-events', sha256: result.sha256, events: result.events, incidents: result.incidents });
        },
        opts,
      );
      const setup = loadSlaSetup(sqlite);
      const findHistory = sqlite.prepare('SELECT 1 FROM ticket_history WHERE id = ?');
      const guard = deviceGuard(ctx);
      const scopeOf = sqlite.prepare('SELECT scope_id FROM tickets WHERE id = ?').pluck();
      const alias = sqlite.prepare('INSERT INTO ticket_number_aliases (number, ticket_id, replaced_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
      for (let at = 0; at < plans.length; at += CHUNK) {
        const chunk = plans.slice(at, at + CHUNK);
        write(
          ctx,
          (single) => {
            // The chunk's records go through the record primitive's bulk sink (core/bulk.ts): the same
            // checks, clocks, ops and audit events, with new rows inserted a hundred per statement (the
            // search index's triggers flush their terms once per statement, not once per ticket).
            const sink = new BulkSink(sqlite, single, guard);
            const w = sink.scope;
            const written: { id: string; scope: string; changed: boolean }[] = [];
            const aliases: [string, string][] = [];
            for (const p of chunk) {
              const values = {
                ...p.fields,
                status: p.status,
                assignee_id: p.assignee ? dir.person(p.assignee, 'technician') : null,
                group_id: p.group ? dir.group(p.group) : null,
                requester_id: p.caller ? dir.person(p.caller, 'requester') : null,
              };
              const have = existing.get(p.number);
              if (!have) {
                const id = uuidv7();
                createRecord(ctx, w, 'tickets', id, siteId, { ...values, number: numbers.get(p.number)!, source_number: p.number }, { buffer: true });
                aliases.push([p.number, id]);
                written.push({ id, scope: siteId, changed: true });
              } else {
                written.push({ id: have, scope: scopeOf.get(have) as string, changed: updateExisting(ctx, w, have, values) });
              }
            }
            // The tickets are in the store before the rows that refer to them (aliases, history).
            sink.flushRows();
            for (const [number, id] of aliases) alias.run(number, id, w.now);
            for (let k = 0; k < chunk.length; k++) {
              const t = written[k]!;
              const isNew = !existing.has(chunk[k]!.number);
              for (const h of chunk[k]!.history) {
                const id = setRowId('ticket_history', t.id, h.key);
                // Only a ticket imported before can hold history from an earlier import.
                if (!isNew && findHistory.get(id)) continue;
                const clip = (v: string | null) => (v === null ? null : v.slice(0, 2000));
                createRecord(
                  ctx,
                  w,
                  'ticket_history',
                  id,
                  t.scope,
                  { ticket_id: t.id, actor_id: w.actorId, kind: h.kind, field: h.field, from_value: clip(h.from), to_value: clip(h.to), reason: h.reason },
                  { times: { createdAt: h.at, updatedAt: h.at }, buffer: true },
                );
                t.changed = true;
              }
              if (!t.changed) unchanged++;
            }
            sink.flush();
            // Business-hours figures of the written tickets, under the team's SLA calendars (docs/kpis.md).
            // and their SLA clocks (the queue's chips, "Breaching soon"), read once for both.
            if (setup.policies.length) recomputeSla(sqlite, written.filter((t) => t.changed).map((t) => t.id), setup);
          },
          opts,
        );
        progress({ phase: 'writing', done: Math.min(at + CHUNK, plans.length), total: plans.length });
        faultPoint('import.chunk');
        // Let progress reach the screen and reads answer between chunks (writers wait at the gate).
        await new Promise((r) => setImmediate(r));
      }
      progress({ phase: 'finishing', done: plans.length, total: plans.length });
      sqlite.exec('COMMIT');
    } catch (e) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw e;
    }
    return unchanged;
  });
}

/**
 * Outpost numbers for new tickets: the source number itself where it has Outpost's form (INC and
 * seven digits) and no ticket here holds it, so people keep the number they know; a fresh number
 * otherwise. The counter moves past every number kept, so tickets created later never clash.
 */
function ticketNumbers(sqlite: Database.Database, sources: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const held = sqlite.prepare('SELECT 1 FROM tickets WHERE number = ?').pluck();
  let highest = 0;
  const rest: string[] = [];
  for (const n of sources) {
    if (/^INC\d{7}$/.test(n) && !held.get(n)) {
      out.set(n, n);
      highest = Math.max(highest, Number(n.slice(3)));
    } else rest.push(n);
  }
  if (highest) sqlite.prepare(`INSERT INTO counters (prefix, next) VALUES ('INC', ?) ON CONFLICT(prefix) DO UPDATE SET next = max(next, excluded.next)`).run(highest + 1);
  const first = rest.length ? reserveNumbers(sqlite, 'INC', rest.length) : 0;
  rest.forEach((n, k) => out.set(n, formatNumber('INC', first + k)));
  return out;
}

function uniqueUsername(ctx: Ctx, base: string): string {
  const taken = ctx.store.sqlite.prepare('SELECT 1 FROM users WHERE username = ?').pluck();
  let name = base.length >= 2 ? base : `${base}-user`;
  for (let k = 2; taken.get(name); k++) name = `${base}-${k}`;
  return name;
}

/** Brings an imported ticket up to date: fields by edit, a status change as a move. Returns whether anything changed. */
function updateExisting(ctx: Ctx, w: WriteScope, id: string, values: Record<string, string | number | null>): boolean {
  const moving: Record<string, string | number | null> = {};
  const rest: Record<string, string | number | null> = {};
  for (const [k, v] of Object.entries(values)) if (k !== 'status') (TRANSITION_FIELDS.includes(k) ? moving : rest)[k] = v;
  // A move only when the status or a field that goes with it differs (a move always writes).
  const row = ctx.store.sqlite.prepare('SELECT * FROM tickets WHERE id = ?').get(id) as Record<string, unknown>;
  const differs = row.status !== values.status || Object.keys(moving).some((k) => row[k] !== moving[k]);
  if (differs) transitionRecord(ctx, w, 'tickets', id, { from: String(row.status), to: String(values.status), fields: moving });
  const edited = updateRecord(ctx, w, 'tickets', id, rest);
  return differs || Object.keys(edited).length > 0;
}

export interface TicketImportInput {
  format: 'servicenow-events';
  contentBase64?: string;
  uploadId?: string;
  dryRun: boolean;
  siteId?: string;
}

/**
 * The call: the file from the call or from an upload, progress as import.progress events (the same
 * job status the asset import's bar reads), and the upload removed once an import has written it.
 */
export async function runTicketImport(ctx: Ctx, input: TicketImportInput, onStatus?: (job: ImportJobStatus) => void): Promise<TicketImportResult> {
  const actor = requireActor(ctx);
  const source: ImportSource = input.uploadId ? { upload: uploadFile(ctx, input.uploadId) } : { bytes: Buffer.from(input.contentBase64 ?? '', 'base64') };
  const job = startImportJob(ctx, input.format, actor.id, onStatus);
  try {
    const result = await importServiceNow(ctx, source, {
      dryRun: input.dryRun,
      siteId: input.siteId,
      onProgress: job.progress,
    });
    job.finish(result.errors.length ? 'failed' : 'done', result.errors.length ? `${result.errors.length} row error(s); nothing was written.` : null);
    if (input.uploadId && !input.dryRun && !result.errors.length) releaseUpload(input.uploadId);
    return result;
  } catch (e) {
    job.finish('failed', e instanceof AppError ? e.message : 'The import failed; nothing was written.');
    throw e;
  }
}
