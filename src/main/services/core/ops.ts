/**
 * Change capture for sync: every write takes a stamp from the device's hybrid logical clock and
 * appends an op to pending_ops inside the caller's transaction, with a gapless device sequence.
 */
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../../shared/ids';
import { EVERY_FIELD, formatHlc, makeStamp, repairHlc, tick, type HlcState } from '../../../shared/hlc';
import { getMeta, setMeta } from './meta';
import type { Clock } from './context';

export const SCHEMA_VERSION = 1;

export type OpKind = 'create' | 'setFields' | 'transition' | 'append' | 'setAdd' | 'setRemove' | 'delete' | 'restore';

export interface OpInput {
  kind: OpKind;
  entity: string;
  recordId: string;
  scopeId: string;
  payload: unknown;
  /**
   * When the change happened, if earlier than the write (generated or imported history): the
   * server keeps it as the record's created_at (and its parent's updated_at), as the row here does.
   */
  at?: string;
}

/**
 * Only the device id and statements are cached. The clock and the sequence are read from meta
 * inside each write's transaction: a cached copy would run ahead of the database when a
 * transaction rolls back (leaving a gap in device_seq), and meta rolls back with it.
 */
interface DeviceState {
  deviceId: string;
  insertOp: Database.Statement;
}

const states = new WeakMap<Database.Database, DeviceState>();

function load(sqlite: Database.Database): DeviceState {
  let s = states.get(sqlite);
  if (s) return s;
  let deviceId = getMeta(sqlite, 'device_id');
  if (!deviceId) {
    deviceId = uuidv7();
    setMeta(sqlite, 'device_id', deviceId);
  }
  s = {
    deviceId,
    insertOp: sqlite.prepare(
      `INSERT INTO pending_ops (op_id, device_id, device_seq, hlc, schema_version, kind, entity, record_id, scope_id, payload, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
  states.set(sqlite, s);
  return s;
}

export function deviceId(sqlite: Database.Database): string {
  return load(sqlite).deviceId;
}

/** Forget the cached clock (after another connection or a restore changed it). */
export function resetDeviceState(sqlite: Database.Database): void {
  states.delete(sqlite);
}

/** A malformed stored clock (see repairHlc) is read as the next valid one, so writes keep working. */
function readClock(sqlite: Database.Database): HlcState {
  return repairHlc(getMeta(sqlite, 'hlc'));
}

/** A fresh stamp for a local write. Must run inside the write's transaction. */
export function nextStamp(sqlite: Database.Database, clock: Clock): string {
  const s = load(sqlite);
  const text = formatHlc(tick(readClock(sqlite), clock.now().getTime()));
  setMeta(sqlite, 'hlc', text);
  return makeStamp(text, s.deviceId);
}

/** Adopt a clock state computed elsewhere (the sync client's receive step). */
export function setClock(sqlite: Database.Database, hlc: HlcState): void {
  setMeta(sqlite, 'hlc', formatHlc(hlc));
}

export function currentClock(sqlite: Database.Database): HlcState {
  return readClock(sqlite);
}

/** Append an op stamped `stamp`. Must run inside the write's transaction. */
export function recordOp(sqlite: Database.Database, stamp: string, nowIso: string, op: OpInput): void {
  const s = load(sqlite);
  const seq = Number(getMeta(sqlite, 'device_seq') ?? 0) + 1;
  setMeta(sqlite, 'device_seq', String(seq));
  const hlc = stamp.slice(0, stamp.indexOf('@'));
  s.insertOp.run(
    uuidv7(),
    s.deviceId,
    seq,
    hlc,
    SCHEMA_VERSION,
    op.kind,
    op.entity,
    op.recordId,
    op.scopeId,
    JSON.stringify(op.payload),
    op.at !== undefined && op.at < nowIso ? op.at : nowIso,
  );
}

/**
 * field_hlc for a new row: every field written at `stamp`, stored compactly as {"*": stamp}
 * (see EVERY_FIELD in src/shared/hlc.ts); later writes add entries of their own.
 */
export function stampAll(_fields: Iterable<string>, stamp: string): string {
  return JSON.stringify({ [EVERY_FIELD]: stamp });
}

export function restamp(fieldHlc: string, fields: Iterable<string>, stamp: string): string {
  const m = JSON.parse(fieldHlc || '{}') as Record<string, string>;
  for (const f of fields) m[f] = stamp;
  return JSON.stringify(m);
}
