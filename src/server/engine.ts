/**
 * The authoritative apply of pushed ops: validates each op (schema, enums, role and scope, parent,
 * number uniqueness, clock sanity), merges it with the shared rules, and writes the merged records
 * and conflicts in one transaction. Every op gets an answer; a rejected op is acknowledged too.
 */
import { COUNTER_LIMIT, COUNTER_ROLLOVER, formatHlc, makeStamp, MAX_DRIFT_MS, parseHlc, stampDevice, stampHlc } from '../shared/hlc';
import { createHash } from 'node:crypto';
import { applyOp, stampAfter, watchedFields, type ConflictDraft, type OpLike } from '../shared/sync/merge';
import { ruleFor } from '../shared/sync/entities';
import { childrenReadViaParent, judgeWrite, ownerReadFields, type Principal } from '../shared/sync/access';
import { itsmFacts } from './itsm-facts';
import { FOLLOWING_CHILD, followingChildrenOf, isFollowingParent } from '../shared/sync/following';
import { SYNC_SCHEMA_MAX, SYNC_SCHEMA_MIN, type OpResult, type PushRequest, type PushResponse, type WireOp } from '../shared/sync/wire';
import { formatHumanNumber, numberedField, parseHumanNumber, provisionalPrefix, schemeOf } from '../shared/numbers';
import { recordKey, type ServerStore, type StoredRecord, type SyncTx } from './store/types';
import { deriveAfterOp, derivedReadsFor, noteDerivedReads } from './derive';
import { readerView } from './store/moves';
import { checkArrivingRequest, toCatalogueItem } from '../shared/catalogue/items';

export interface PushAuth {
  userId: string;
  role: 'admin' | 'technician' | 'auditor' | 'requester';
  sites: string[] | null;
  deviceId: string;
  /** The id synced records name the person by, when read with the request's authentication (see resolvePrincipal). */
  personId?: string;
}

/** What the caller of push learns after it, and how it wants the push announced. */
export interface PushAfter {
  /** Given: the sites to poke for what the push wrote (with `written`); the store then announces the push with its commit where it can. */
  announceWith?: (written: Set<string>) => string[] | undefined;
  /** Set by push: the change-log head the push left (the position to announce). */
  head?: number;
  /** Set by push: the announcement went out with the commit (nothing is left for the caller to announce). */
  announced?: boolean;
}

export class HttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SERVER_DEVICE = 'server';

/** A parent's children of the given types: as stored, or as written earlier in this push (newer, or not stored yet). */
async function childrenIn(tx: SyncTx, parent: StoredRecord, children: { entity: string; field: string }[], records: Map<string, StoredRecord>): Promise<Map<string, StoredRecord>> {
  const found = new Map<string, StoredRecord>();
  for (const c of await tx.childrenOf(children, parent.id)) {
    const k = recordKey(c.entity, c.id);
    found.set(k, records.get(k) ?? c);
  }
  for (const [k, r] of records) if (children.some((c) => c.entity === r.entity && r.data[c.field] === parent.id)) found.set(k, r);
  return found;
}

/**
 * A record moved site (a ticket, an asset; see shared/sync/following): every child row goes with it
 * in the same transaction, so the new site's devices receive them and the old site's devices drop
 * them (each move is logged like the parent's). The site of a child is server-owned, so it carries
 * the server's stamp.
 */
async function moveChildren(tx: SyncTx, parent: StoredRecord, records: Map<string, StoredRecord>, dirty: Map<string, StoredRecord>, serverStamp: string): Promise<void> {
  const children = followingChildrenOf(parent.entity);
  if (!children.length) return;
  const found = await childrenIn(tx, parent, children, records);
  for (const [k, child] of found) {
    if (child.scopeId === parent.scopeId) continue;
    const movedFrom = [...new Set([...(child.movedFrom ?? []), child.scopeId])].filter((x) => x !== parent.scopeId);
    const copy: StoredRecord = {
      ...child,
      scopeId: parent.scopeId,
      data: { ...child.data },
      fieldHlc: { ...child.fieldHlc, scope_id: stampAfter(child.fieldHlc.scope_id, serverStamp) },
      fieldSeq: { ...child.fieldSeq },
      ...(movedFrom.length ? { movedFrom } : {}),
    };
    records.set(k, copy);
    // Written after the parent, so a device meets the parent in its new site before its children.
    dirty.delete(k);
    dirty.set(k, copy);
  }
}

/**
 * A record's reader changed (a ticket given another requester): the children read through it (its
 * comments, worklogs, history) are sent again, unchanged, after it, so the new reader's devices
 * receive them (they skipped them while the record was someone else's), and each is logged as
 * leaving the old reader's view, so the old reader's devices drop them with the record.
 */
async function resendChildren(tx: SyncTx, parent: StoredRecord, records: Map<string, StoredRecord>, dirty: Map<string, StoredRecord>, left: string[]): Promise<void> {
  const children = childrenReadViaParent(parent.entity);
  if (!children.length) return;
  const found = await childrenIn(tx, parent, children, records);
  for (const [k, child] of found) {
    const copy: StoredRecord = { ...child, movedFrom: [...new Set([...(child.movedFrom ?? []), ...left])] };
    records.set(k, copy);
    dirty.delete(k);
    dirty.set(k, copy);
  }
}

interface Numbering {
  leases: { prefix: string; first: number; last: number; deviceId: string }[];
  /** Highest number accepted per prefix in this batch. */
  highest: Map<string, number>;
}

/**
 * A clock far ahead of the server is pulled back to the drift limit. The clamped value must still
 * be unique and keep the order of the device's own ops: two edits made a second apart on a laptop
 * a day ahead would otherwise both clamp to the same wall time, tie on the stamp, and the later
 * one would lose to the earlier (or, with counters, even come before it). So a clamped op takes
 * the next clock value after everything the server has ordered so far (`floor`, the running
 * maximum, which only grows), and never less than the drift limit.
 */
export function clampHlc(hlc: string, nowMs: number, floor: string): { hlc: string; clamped: boolean } {
  const h = parseHlc(hlc);
  const limit = nowMs + MAX_DRIFT_MS;
  if (h.wall <= limit) return { hlc, clamped: false };
  const f = parseHlc(floor);
  const next = f.wall >= limit ? { wall: f.wall, counter: f.counter + 1 } : { wall: limit, counter: 0 };
  return { hlc: formatHlc(next), clamped: true };
}

/**
 * A device's ops reach the server in the order it made them (its sequence numbers), so each is
 * ordered after everything the same device wrote to the record before. Its clock normally is
 * already; when it is not (two ops carrying the same clock, a clock set back after an op was
 * clamped, a server-ordered write attributed to the device), the op takes the next clock value
 * after that device's latest stamp on the record. Otherwise the later op would tie with or lose to
 * the device's own earlier write under last-writer-wins and be dropped. Other devices' stamps are
 * untouched: concurrent writes of two people still order by their clocks.
 */
export function afterOwnWrites(hlc: string, record: { fieldHlc: Record<string, string>; deletedHlc: string | null } | null, deviceId: string): string {
  if (!record) return hlc;
  let own: string | null = null;
  for (const stamp of [...Object.values(record.fieldHlc), record.deletedHlc]) {
    if (!stamp || stampDevice(stamp) !== deviceId) continue;
    const h = stampHlc(stamp);
    if (own === null || h > own) own = h;
  }
  if (own === null || hlc > own) return hlc;
  const h = parseHlc(own);
  return formatHlc({ wall: h.wall, counter: h.counter + 1 });
}

/** A counter far beyond any honest burst carries into the next millisecond (see COUNTER_ROLLOVER). */
export function rollOver(hlc: string): string {
  const h = parseHlc(hlc);
  return h.counter > COUNTER_ROLLOVER ? formatHlc({ wall: h.wall + 1, counter: 0 }) : hlc;
}

/**
 * A conflict's id follows from the clash itself (record, field, kind and both sides' stamps), so one
 * clash is one record: the same on every device, and never a second copy if it were met again.
 */
export function conflictId(c: ConflictDraft): string {
  const h = createHash('sha256').update([c.entity, c.recordId, c.field, c.kind, c.keptStamp ?? '', c.lostStamp].join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function conflictRecord(c: ConflictDraft, stamp: string, at: string): StoredRecord {
  const data: Record<string, unknown> = {
    entity: c.entity,
    record_id: c.recordId,
    field: c.field,
    kind: c.kind,
    kept_value: c.keptValue,
    lost_value: c.lostValue,
    kept_stamp: c.keptStamp,
    lost_stamp: c.lostStamp,
    kept_device: c.keptDevice,
    lost_device: c.lostDevice,
    lost_author: c.lostAuthor,
    // A contested field overwritten by a newer write is settled already: its author is told and may reverse it.
    status: c.kind === 'overwritten' ? 'auto' : 'open',
    resolution: null,
    resolved_by: null,
  };
  const fieldHlc: Record<string, string> = { scope_id: stamp };
  for (const k of Object.keys(data)) fieldHlc[k] = stamp;
  return { entity: 'sync_conflicts', id: conflictId(c), scopeId: c.scopeId, data, fieldHlc, deletedHlc: null, createdAt: at, updatedAt: at, seq: 0, fieldSeq: {} };
}

/**
 * Who wrote through a device, as synced records name people (see resolvePrincipal): the person an
 * overwritten value belonged to, so their inbox shows it. Null for the server's own writes and for
 * devices the server does not know.
 */
function authorsByDevice(store: ServerStore): (deviceId: string) => Promise<string | null> {
  const cache = new Map<string, Promise<string | null>>();
  return (deviceId) => {
    let p = cache.get(deviceId);
    if (!p) {
      p = (async () => {
        if (deviceId === SERVER_DEVICE) return null;
        const device = await store.getDevice(deviceId);
        const user = device ? await store.getUser(device.userId) : null;
        if (!user) return null;
        return (await store.findProfileId(user.username)) ?? user.id;
      })();
      cache.set(deviceId, p);
    }
    return p;
  };
}

/**
 * The person behind a signed-in account, as synced records name them: the team's `users` record
 * with the account's username (written only by administrators), else the account itself. Identity
 * fields (author, actor, owner, requester) hold this id whatever the device sent.
 */
export async function resolvePrincipal(store: ServerStore, auth: PushAuth): Promise<Principal> {
  if (auth.personId) return { id: auth.personId, role: auth.role, sites: auth.sites };
  const user = await store.getUser(auth.userId);
  const profile = user ? await store.findProfileId(user.username) : null;
  return { id: profile ?? auth.userId, role: auth.role, sites: auth.sites };
}

/**
 * Applies a pushed batch. `written`, when given, receives the sites (and `global`) whose change log
 * the batch wrote to, including sites a record left, so only the live streams that read them are
 * poked (see ServerStore.announce). See PushAfter for announcing the push with its commit.
 */
export async function push(store: ServerStore, auth: PushAuth, req: PushRequest, nowMs: number, written?: Set<string>, after?: PushAfter): Promise<PushResponse> {
  if (req.schemaVersion < SYNC_SCHEMA_MIN) throw new HttpError(426, 'update_required', `This Outpost is too old for the server (data version ${req.schemaVersion}; the server needs ${SYNC_SCHEMA_MIN} or later). Update Outpost, then sync again.`);
  if (req.schemaVersion > SYNC_SCHEMA_MAX) throw new HttpError(426, 'server_too_old', `The server is older than this Outpost (data version ${req.schemaVersion}; it knows up to ${SYNC_SCHEMA_MAX}). Ask your administrator to update the server.`);
  if (req.deviceId !== auth.deviceId) throw new HttpError(403, 'forbidden', 'The batch names a different device than the one you signed in with.');
  const nowIso = new Date(nowMs).toISOString();
  const ops = [...req.ops].sort((a, b) => a.deviceSeq - b.deviceSeq);

  const principal = await resolvePrincipal(store, auth);
  // Usernames are unique in the team: who holds each one a users op names (read before the push).
  const holders = new Map<string, string | null>();
  for (const op of req.ops) if (op.entity === 'users' && typeof op.payload.username === 'string') holders.set(op.payload.username, await store.findProfileId(op.payload.username));

  const authorOf = authorsByDevice(store);
  let head = 0;
  let announced = false;
  const result = await store.withSyncTx(async (tx) => {
    const keys: { entity: string; id: string }[] = [];
    const numbers: string[] = [];
    for (const op of ops) {
      keys.push({ entity: op.entity, id: op.recordId });
      const parent = ruleFor(op.entity).parent;
      if (parent && typeof op.payload[parent.field] === 'string') keys.push({ entity: parent.entity, id: op.payload[parent.field] as string });
      const nf = numberedField(op.entity);
      if (nf && op.kind === 'create' && typeof op.payload[nf] === 'string') numbers.push(op.payload[nf]);
    }
    // What the judge reads besides the ops' own records (the team's priority matrix), read with them.
    const extra = derivedReadsFor(ops);
    const prefixes = [...new Set(numbers.map((n) => n.replace(/\d+$/, '')))];
    // Everything read before judging, in one go (one round trip on PostgreSQL). An op id the server
    // already answered (under this device id or the one a copied store had) is answered again,
    // never applied twice.
    const read = await tx.readForPush({ deviceId: auth.deviceId, seqs: ops.map((o) => o.deviceSeq), opIds: ops.map((o) => o.opId), keys: [...keys, ...extra], numbers, prefixes });
    const { seen, seenIds, records, numberOwner } = read;
    noteDerivedReads(records, extra);
    // Edits of existing children are judged with their parent (whose ticket a comment is on).
    const parents: { entity: string; id: string }[] = [];
    for (const op of ops) {
      const parent = ruleFor(op.entity).parent;
      const cur = records.get(recordKey(op.entity, op.recordId));
      const pid = parent && cur ? cur.data[parent.field] : undefined;
      if (parent && typeof pid === 'string' && !records.has(recordKey(parent.entity, pid))) parents.push({ entity: parent.entity, id: pid });
    }
    if (parents.length) for (const [k, v] of await tx.loadRecords(parents)) records.set(k, v);
    const numbering: Numbering = { leases: read.leases, highest: new Map() };
    let maxHlc = read.maxHlc;
    const dirty = new Map<string, StoredRecord>();
    const results: OpResult[] = [];
    const fresh: (OpResult & { opId: string })[] = [];
    const clashes: number[] = [];
    const touched = new Map<string, StoredRecord>();

    for (const op of ops) {
      const prior = seen.get(op.deviceSeq) ?? seenIds.get(op.opId);
      if (prior && prior.opId && prior.opId !== op.opId) {
        // The device has used this sequence number for another change: its store was copied or
        // restored from a backup. Acknowledging would drop this change, so nothing is answered for
        // it; the device continues under a new device id and sends it again.
        clashes.push(op.deviceSeq);
        continue;
      }
      if (prior) {
        const { opId: _id, ...answer } = prior;
        results.push({ ...answer, deviceSeq: op.deviceSeq });
        // A retry means the first reply was lost. If the device has since pulled the record's
        // latest version (its cursor is past it), it did so while this op was still pending and
        // kept its own optimistic copy on top (with its own, possibly unclamped, clocks); once this
        // answer acknowledges the op nothing else would correct that copy. Sending the record out
        // again makes the device's next pull replace it. A version the device has not pulled yet
        // reaches it anyway, so a plain replay writes nothing new.
        const key = recordKey(op.entity, op.recordId);
        const current = records.get(key);
        if (current && current.seq <= req.cursor && !dirty.has(key)) dirty.set(key, current);
        continue;
      }
      if (clashes.length) continue;
      const r = await applyOne(tx, auth, principal, holders, req.cursor, op, records, numberOwner, numbering, dirty, nowMs, nowIso, maxHlc, authorOf, touched);
      if (r.hlc > maxHlc) maxHlc = r.hlc;
      results.push(r.result);
      fresh.push({ ...r.result, opId: op.opId });
    }
    if (written) for (const r of dirty.values()) for (const s of [r.scopeId, ...(r.movedFrom ?? [])]) written.add(s);
    const inPlace = [...touched].filter(([k]) => !dirty.has(k)).map(([, r]) => ({ entity: r.entity, id: r.id, updatedAt: r.updatedAt }));
    // Everything written, in one go with the commit (one round trip on PostgreSQL).
    const wrote = await tx.writeForPush({
      deviceId: auth.deviceId,
      records: [...dirty.values()],
      touched: inPlace,
      results: fresh,
      counters: [...numbering.highest].map(([prefix, n]) => ({ prefix, n })),
      maxHlc,
      ...(written?.size && after?.announceWith ? { announce: { scopes: after.announceWith(written) } } : {}),
    });
    head = wrote.head;
    announced = wrote.announced;
    return { results, serverHlc: maxHlc, wrote: dirty.size, clashes };
  });
  if (after) {
    after.head = head;
    after.announced = announced;
  }
  return { results: result.results, serverHlc: result.serverHlc, ...(result.clashes.length ? { seqClash: result.clashes } : {}) };
}

async function applyOne(
  tx: SyncTx,
  auth: PushAuth,
  principal: Principal,
  holders: Map<string, string | null>,
  cursor: number,
  op: WireOp,
  records: Map<string, StoredRecord>,
  numberOwner: Map<string, string>,
  numbering: Numbering,
  dirty: Map<string, StoredRecord>,
  nowMs: number,
  nowIso: string,
  maxHlc: string,
  authorOf: (deviceId: string) => Promise<string | null>,
  touched: Map<string, StoredRecord>,
): Promise<{ result: OpResult; hlc: string }> {
  const reject = (reason: string): { result: OpResult; hlc: string } => {
    // The sender's copy still shows the refused change: send the record out again so its next pull
    // puts the server's version back (the same rule as for ops that change nothing, below).
    const existing = records.get(recordKey(op.entity, op.recordId));
    if (existing && !dirty.has(recordKey(op.entity, op.recordId))) dirty.set(recordKey(op.entity, op.recordId), existing);
    return { result: { deviceSeq: op.deviceSeq, status: 'rejected', reason }, hlc: '' };
  };
  if (op.schemaVersion < SYNC_SCHEMA_MIN || op.schemaVersion > SYNC_SCHEMA_MAX) return reject(`Data version ${op.schemaVersion} is outside what the server accepts.`);
  const key = recordKey(op.entity, op.recordId);
  const current = records.get(key);
  const rule = ruleFor(op.entity);
  const parentRef = rule.parent ? (op.payload[rule.parent.field] ?? current?.data[rule.parent.field]) : undefined;
  const parent = rule.parent && typeof parentRef === 'string' ? (records.get(recordKey(rule.parent.entity, parentRef)) ?? null) : null;
  // Judged on the record as stored and as it will be, never on the op's envelope (shared/sync/access).
  let parentLeft: string | null = null;
  const namedScope0 = typeof op.payload.scope_id === 'string' ? op.payload.scope_id : op.scopeId;
  if (!current && parent && namedScope0 !== parent.scopeId && (await tx.movedOutAfter(parent.entity, parent.id, namedScope0, cursor))) parentLeft = namedScope0;
  const judged = judgeWrite(principal, op, current ?? null, parent, parentLeft, await itsmFacts(tx, records, principal, op));
  if (!judged.ok) return reject(judged.reason);
  const kind = judged.kind;
  const payload = judged.payload;
  if (op.entity === 'users' && typeof payload.username === 'string') {
    const holder = holders.get(payload.username);
    if (holder && holder !== op.recordId) return reject(`Someone in the team already has the username ${payload.username}.`);
    holders.set(payload.username, op.recordId);
  }
  if (parseHlc(op.hlc).counter >= COUNTER_LIMIT) return reject('The change carries a malformed clock (its counter is at the limit); it was not stored.');
  if (rule.parent && (kind === 'create' || kind === 'append') && !current && !parent) {
    return reject(`The ${rule.parent.entity.replace(/s$/, '')} this belongs to (${String(parentRef)}) is not on the server.`);
  }
  if (!current && kind === 'create' && op.entity === 'tickets') {
    for (const f of ['number', 'type', 'title', 'impact', 'urgency', 'priority', 'status', 'opened_at']) {
      if (payload[f] === undefined) return reject(`A new ticket needs ${f}.`);
    }
  }

  // A request raised from the service catalogue: its answers must satisfy the item's form as the
  // server has it, and a request nobody filed yet goes to the item's group.
  let fileUnder: string | null = null;
  if (!current && kind === 'create' && op.entity === 'tickets' && typeof payload.catalogue_item_id === 'string') {
    const itemKey = recordKey('catalogue_items', payload.catalogue_item_id);
    let itemRec = records.get(itemKey);
    if (!itemRec) {
      itemRec = (await tx.loadRecords([{ entity: 'catalogue_items', id: payload.catalogue_item_id }])).get(itemKey);
      if (itemRec) records.set(itemKey, itemRec);
    }
    const item = itemRec && !itemRec.deletedHlc ? toCatalogueItem(itemRec.id, itemRec.data) : null;
    const bad = checkArrivingRequest(item, payload.catalogue_item_id, payload.form_answers);
    if (bad) return reject(bad);
    if (item?.groupId && !payload.group_id && !payload.assignee_id) fileUnder = item.groupId;
  }

  const clock = clampHlc(rollOver(op.hlc), nowMs, maxHlc);
  clock.hlc = afterOwnWrites(clock.hlc, current ?? null, auth.deviceId);
  if (clock.hlc !== op.hlc) clock.clamped = true;
  const stamp = makeStamp(clock.hlc, auth.deviceId);
  let note: string | undefined;

  const numberField = numberedField(op.entity);
  if (numberField && kind === 'create' && !current && typeof payload[numberField] === 'string') {
    const number = String(payload[numberField]);
    // Only the server says what a record was numbered before (see below).
    delete payload.former_number;
    // A provisional number (given offline once the device's blocks ran out) always gets a real one.
    const provisional = provisionalPrefix(number);
    const parsed = provisional ? null : parseHumanNumber(op.entity, number);
    const scheme = provisional ? schemeOf(provisional) : parsed?.scheme;
    if (!scheme || scheme.entity !== op.entity) return reject(`${number} is not a number Outpost gives ${op.entity.replace(/_/g, ' ')}.`);
    const prefix = scheme.prefix;
    const n = parsed?.n ?? 0;
    const holder = numberOwner.get(number);
    const leaseHolder = parsed ? (numbering.leases.find((l) => l.prefix === prefix && l.first <= n && l.last >= n)?.deviceId ?? null) : null;
    if (provisional || (holder && holder !== op.recordId) || (leaseHolder && leaseHolder !== auth.deviceId)) {
      const hi = numbering.highest.get(prefix);
      if (hi) await tx.bumpCounter(prefix, hi);
      let next = formatHumanNumber(prefix, await tx.nextNumber(prefix));
      while (numberOwner.has(next)) next = formatHumanNumber(prefix, await tx.nextNumber(prefix));
      const what = op.entity === 'tickets' ? 'ticket' : op.entity.replace(/_/g, ' ').replace(/s$/, '');
      if (!parseHumanNumber(op.entity, next)) return reject(`Every ${prefix} number is taken (the last is ${formatHumanNumber(prefix, scheme.max)}); the ${what} cannot be numbered.`);
      note = provisional ? `Provisional number ${number} was numbered ${next} at sync.` : `Number ${number} was already taken; the ${what} is now ${next}.`;
      payload[numberField] = next;
      // Every device keeps the number people saw first as an alias (where the record type keeps it).
      if ('former_number' in rule.fields) payload.former_number = number;
      numberOwner.set(next, op.recordId);
    } else {
      numberOwner.set(number, op.recordId);
      // Later allocations must start after every number in use; written once per batch.
      if (!leaseHolder && n > (numbering.highest.get(prefix) ?? 0)) numbering.highest.set(prefix, n);
    }
  }

  // A child written before its parent (ticket, asset) moved still names the old site: it is stored
  // where the parent is now, and logged as moved out of the site it named, so that site's devices
  // drop it.
  let scopeId = op.scopeId;
  let namedScope: string | null = null;
  const follows = FOLLOWING_CHILD.get(op.entity);
  if (!current && follows && (kind === 'create' || kind === 'append' || kind === 'setAdd' || kind === 'setRemove')) {
    const parent = records.get(recordKey(follows.parent, String(payload[follows.field])));
    const named = typeof payload.scope_id === 'string' ? payload.scope_id : op.scopeId;
    if (parent && parent.scopeId !== named) {
      namedScope = named;
      scopeId = parent.scopeId;
      delete payload.scope_id;
    }
  }

  const createdAt = op.createdAt > nowIso || !/^\d{4}-\d{2}-\d{2}T/.test(op.createdAt) ? nowIso : op.createdAt;
  const out = applyOp(current ?? null, { ...op, kind, scopeId, payload, createdAt } satisfies OpLike, {
    stamp,
    authorId: principal.id,
    unseen: (f) => (current?.fieldSeq[f] ?? 0) > cursor,
  });
  if (out.changed && out.state) {
    const prev = current;
    const next: StoredRecord = { ...out.state, seq: prev?.seq ?? 0, fieldSeq: { ...(prev?.fieldSeq ?? {}) } };
    if (fileUnder) {
      // Written by the server just after the op, so the device that sent it takes the group on its next pull.
      next.data = { ...next.data, group_id: fileUnder };
      next.fieldHlc = { ...next.fieldHlc, group_id: stampAfter(next.fieldHlc.group_id, stamp) };
    }
    // Where in the log each watched field was last written: a later writer who had not pulled that far overwrote it unseen.
    for (const f of watchedFields(op.entity)) if (next.fieldHlc[f] !== prev?.fieldHlc[f]) next.fieldSeq[f] = 0;
    // Moves earlier in this batch stay logged even when a later op rewrites the record.
    const left = prev && prev.scopeId !== next.scopeId ? [...(prev.movedFrom ?? []), prev.scopeId] : (prev?.movedFrom ?? []);
    const movedFrom = [...new Set(left)].filter((x) => x !== next.scopeId);
    if (namedScope) movedFrom.push(namedScope);
    // A person the record stops naming as its reader (a ticket's old requester) is told to drop it.
    const readersLeft: string[] = [];
    for (const f of prev ? ownerReadFields(op.entity) : []) {
      const was = prev!.data[f];
      if (typeof was === 'string' && was !== next.data[f]) readersLeft.push(readerView(was));
    }
    movedFrom.push(...readersLeft);
    if (movedFrom.length) next.movedFrom = movedFrom;
    records.set(key, next);
    dirty.delete(key);
    dirty.set(key, next);
    if (isFollowingParent(op.entity) && prev && prev.scopeId !== next.scopeId) await moveChildren(tx, next, records, dirty, makeStamp(clock.hlc, SERVER_DEVICE));
    if (readersLeft.length) await resendChildren(tx, next, records, dirty, readersLeft);
  } else if (current && !dirty.has(key)) {
    // The sender's copy may differ from ours (its edit lost, was refused, conflicted, or changed
    // nothing here but carries the device's own clocks): send the record out again so that
    // device's next pull replaces its optimistic copy. Devices rely on this: every acknowledged op
    // on an existing record is followed by a version of it they have not pulled yet.
    dirty.set(key, current);
  }
  if (out.changed) await deriveAfterOp(tx, key, records, dirty, stamp);
  if (out.changed && out.state && rule.touchesParent && rule.parent && (kind === 'create' || kind === 'append')) touchParent(touched, records, dirty, rule.parent.entity, out.state);
  for (const c of out.conflicts) {
    if (c.lostAuthor === null && c.lostDevice) c.lostAuthor = await authorOf(c.lostDevice);
    const rec = conflictRecord(c, makeStamp(clock.hlc, SERVER_DEVICE), nowIso);
    dirty.set(recordKey(rec.entity, rec.id), rec);
  }
  const reason = [out.reason, note].filter(Boolean).join(' ') || undefined;
  const status = note && out.status === 'applied' ? 'merged' : out.status;
  return { result: { deviceSeq: op.deviceSeq, status, ...(reason ? { reason } : {}), ...(clock.clamped ? { clamped: true } : {}) }, hlc: clock.hlc };
}

/**
 * A new comment or worklog is a change of its ticket: the ticket's updated_at follows the child's
 * created_at. Devices apply the same rule when the child reaches them (sync/apply.ts), so the ticket
 * is not sent out again: its stored copy changes in place, and a device that pulls it later gets
 * the later time with it.
 */
function touchParent(touched: Map<string, StoredRecord>, records: Map<string, StoredRecord>, dirty: Map<string, StoredRecord>, parentEntity: string, child: { entity: string; data: Record<string, unknown>; createdAt: string }): void {
  const parentField = ruleFor(child.entity).parent?.field;
  const parentId = parentField ? child.data[parentField] : undefined;
  if (typeof parentId !== 'string') return;
  const key = recordKey(parentEntity, parentId);
  const parent = records.get(key);
  if (!parent || parent.updatedAt >= child.createdAt) return;
  const copy: StoredRecord = dirty.get(key) === parent ? parent : { ...parent, data: { ...parent.data }, fieldHlc: { ...parent.fieldHlc }, fieldSeq: { ...parent.fieldSeq } };
  copy.updatedAt = child.createdAt;
  records.set(key, copy);
  if (dirty.has(key)) dirty.set(key, copy);
  // Written in place at the end of the push, unless a later op of the push writes the record anyway.
  else touched.set(key, copy);
}
