/**
 * The device's sync client: join/leave a server, push the outbox then pull pages, lease number
 * blocks, and a scheduler that runs on start, shortly after local changes, on a server poke, and
 * with backoff plus jitter while the server is unreachable.
 */
import os from 'node:os';
import type Database from 'better-sqlite3';
import type { Store } from '../db/open';
import type { Clock } from '../services/core/context';
import { deleteMeta, getMeta, getMetaJson, setMeta, setMetaJson } from '../services/core/meta';
import { RESTORED_AT_META } from '../db/backup';
import { deviceId as localDeviceId, resetDeviceState } from '../services/core/ops';
import { uuidv7 } from '../../shared/ids';
import { DEFAULT_PULL_LIMIT, SYNC_SCHEMA_MAX, type LeaseResponse, type PullResponse, type PushRequest, type PushResponse } from '../../shared/sync/wire';
import type { NumberReserve, SyncState, SyncStatus } from '../../shared/api/sync';
import { LEASED_PREFIXES } from '../../shared/numbers';
import { addLeasedBlock, dropLeasedBlocks, leasedRemaining, provisionalCount, recentUsage, startLeasing } from '../services/core/numbers';
import { AppError } from '../../shared/result';
import { acknowledge, nextBatch, pendingCount } from './outbox';
import { applyPageSlice, applyScopes, getCursor, getScopes, pendingInScopes, rereadForRole, scopeChange, CURSOR_KEY } from './apply';
import { BACKFILL_CURSOR_KEY, endBackfill, getBackfill } from './scopes';
import { rejectedCount } from './rejected';
import { DroppedError, HttpTransport, OfflineError, SyncHttpError, TlsError, type Credentials, type SyncTransport } from './transport';
import { writeGate } from '../db/write-gate';
import { openCredentials, sealCredentials, type SecretBox } from './secret-box';
import { adoptIdentity } from './identity';
import { anchorWanted, chainTip, noteAnchorReply } from '../services/audit/anchor';
import { blobStoreOf } from '../services/evidence/blobs';
import { syncBlobs } from './blobs';
import { deferIndexes, deferredIndexes, restoreIndexes } from '../db/deferred-indexes';

export const CLIENT_VERSION = '0.1.0';
/**
 * The reserve of numbers a staff device keeps per leased prefix while online: what it used in the
 * last two weeks, at least MIN_RESERVE, at most what the server lets one device hold.
 */
export const MIN_RESERVE = 200;
const MAX_RESERVE = 2000;
/** Below this share of the reserve, the device warns (and tops up whenever it is online). */
const LOW_SHARE = 0.25;
/** A top-up leases at least this many, so blocks stay few. */
const MIN_BLOCK = 50;
/** Short, so an edit reaches other online devices within a second, yet the edits of the next quarter second go with it. */
const DEBOUNCE_MS = 250;
const POLL_MS = 60_000;
/**
 * After the server stops answering, a cheap GET /health every 2 s for the first minutes notices its
 * return within seconds (a full sync attempt backs off much further); later every 15 s.
 */
export const PROBE_FAST_MS = 2000;
export const PROBE_SLOW_MS = 15_000;
export const PROBE_FAST_WINDOW_MS = 5 * 60_000;
/**
 * A pulled page is applied in slices, each one synchronous SQLite transaction that holds the host's
 * event loop (and so every window's calls) meanwhile. Pages shrink when a slice still runs past this.
 */
export const APPLY_BUDGET_MS = 60;
/**
 * Decoding, parsing and checking a page's body is one more piece that holds the event loop, before
 * its first slice, and it grows with the page (a 2,000-ticket page is about 2.5 MB). Pages shrink
 * when it runs past this, and grow only while it would stay under it.
 */
export const PARSE_BUDGET_MS = 30;
/**
 * How long one slice of a pulled page may hold the event loop, all of it counted (its rows, audit
 * event, derived fields and commit; see applyPageSlice), before it yields: well under the 100 ms a
 * window may wait for an answer, leaving room for a slow disk or a busy machine.
 */
const SLICE_BUDGET_MS = 40;
export const MIN_PULL_LIMIT = 100;
/**
 * How long reading and encoding one push batch may hold the event loop: a megabyte of small edits
 * (a few thousand ops) took 30 to 90 ms, and sending it (JSON) a third as long again on top. A week
 * of offline work then goes in more, smaller pushes; the server's work per op is the same.
 */
const PUSH_BUILD_BUDGET_MS = 20;
/** The first page is small (its apply time is unknown yet); later pages grow while applies stay quick. */
const FIRST_PULL_LIMIT = 500;
/**
 * The tables whose query indexes a first sync leaves out while it fills them, and builds once at
 * the end (see db/deferred-indexes.ts): the big registers, with a couple of dozen list and
 * dashboard indexes each. Children (history, comments) keep theirs: the pull itself looks them up
 * by ticket.
 */
export const INITIAL_LOAD_TABLES = ['tickets', 'assets'] as const;
/** `deferIndexes: false` makes a first sync go page by page like any other pull (tests compare the two). */
export const INITIAL_LOAD = { deferIndexes: true };

const K = {
  url: 'sync.server_url',
  user: 'sync.user',
  creds: 'sync.creds',
  lastSyncedAt: 'sync.last_synced_at',
  lastError: 'sync.last_error',
  lease: (p: string) => `sync.lease.${p}`,
  /** Why a restored store was set aside from its lost device; shown until it joins again (not under sync.%: leaving keeps it). */
  rejoin: 'rejoin_notice',
};

export interface SyncClientOptions {
  store: Store;
  clock: Clock;
  /** Called after pulled pages change local data, so windows refresh. */
  onApplied?: (domains: string[]) => void;
  onStatus?: (s: SyncStatus) => void;
  /** Encrypts the stored server tokens (the desktop shell's safeStorage); none under plain Node. */
  secretBox?: SecretBox | null;
  /** Tests inject a transport (fault injection); otherwise HTTP to the joined server. */
  transportFactory?: (url: string, creds: Credentials | null, save: (c: Credentials) => void) => SyncTransport;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
  /**
   * The server says an administrator reported this device lost: the runtime wipes the store (after
   * this client has stopped and the current call has unwound).
   */
  onLost?: (message: string) => void;
}

export interface SyncResult {
  pushed: number;
  pulled: number;
  rejected: number;
  conflicts: number;
}

export class SyncClient {
  private readonly sqlite: Database.Database;
  private transport: SyncTransport | null = null;
  private running: Promise<SyncResult> | null = null;
  /** Why the server refused this device for good (reported lost): set once, and the store is wiped. */
  private lost: AppError | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the pass the timer holds is due (performance.now()). */
  private timerDue = 0;
  private stopLive: (() => void) | null = null;
  /** The live stream said it is down and waits out its own backoff before it tries again. */
  private liveDown = false;
  private failures = 0;
  private state: SyncState;
  private started = false;
  /** The server refused the audit anchor field (it is older): pushes go without it. */
  private anchorUnsupported = false;
  /** Since when the server has not answered (null while it does). */
  private unreachableSince: number | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  /** The page size the next catch-up starts with (adapted to how long pages take to apply). */
  private pullLimit = FIRST_PULL_LIMIT;
  /**
   * During a first sync, the next page is asked for while this one is written: the server builds
   * it (on its own core) meanwhile, instead of the device waiting for it after every page.
   */
  private ahead: { from: number; page: Promise<{ page: PullResponse; parseMs: number }> } | null = null;
  private readonly stats = { pages: 0, changes: 0, maxApplyMs: 0, maxParseMs: 0, maxPushStepMs: 0, indexesBuilt: 0, indexBuildMs: 0 };

  constructor(private readonly opts: SyncClientOptions) {
    this.sqlite = opts.store.sqlite;
    this.state = this.joined() ? 'offline' : 'standalone';
  }

  joined(): boolean {
    return !!getMeta(this.sqlite, K.url) && !!getMeta(this.sqlite, K.creds);
  }

  /** Stores tokens sealed by the secret box when the shell gave one (see secret-box.ts). */
  private writeCreds(c: Credentials): void {
    setMeta(this.sqlite, K.creds, sealCredentials(this.opts.secretBox ?? null, c));
  }

  private makeTransport(url: string): SyncTransport {
    const stored = getMeta(this.sqlite, K.creds);
    let creds: Credentials | null = null;
    if (stored) {
      const opened = openCredentials(this.opts.secretBox ?? null, stored);
      if (!opened.ok) throw new AppError('conflict', opened.reason);
      creds = opened.creds;
      // Saved in plain text by an earlier version or the browser host: sealed from now on.
      if (opened.reseal) this.metaWrite(() => this.writeCreds(opened.creds));
    }
    const save = (c: Credentials) => this.metaWrite(() => this.writeCreds(c));
    return this.opts.transportFactory ? this.opts.transportFactory(url, creds, save) : new HttpTransport(url, creds, save);
  }

  private tx(): SyncTransport {
    if (!this.transport) {
      const url = getMeta(this.sqlite, K.url);
      if (!url) throw new AppError('conflict', 'This device is not joined to a server. Join one in Settings → Sync.');
      this.transport = this.makeTransport(url);
    }
    return this.transport;
  }

  status(): SyncStatus {
    const user = getMetaJson<{ username: string; role: string } | null>(this.sqlite, K.user, null);
    return {
      state: this.state,
      pending: pendingCount(this.sqlite),
      lastSyncedAt: getMeta(this.sqlite, K.lastSyncedAt),
      error: this.state === 'error' || this.state === 'offline' ? getMeta(this.sqlite, K.lastError) : this.state === 'standalone' ? getMeta(this.sqlite, K.rejoin) : null,
      serverUrl: getMeta(this.sqlite, K.url),
      deviceId: localDeviceId(this.sqlite),
      deviceName: os.hostname(),
      username: user?.username ?? null,
      // The inbox count depends on who is signed in: the api handler fills it in (sync/conflicts.ts countConflicts).
      conflicts: 0,
      cursor: getCursor(this.sqlite),
      rejected: rejectedCount(this.sqlite),
      numbers: this.numberReserves(),
    };
  }

  /** The reserve this device aims to hold of a prefix: two weeks of its own use, within bounds. */
  private reserveTarget(prefix: string): number {
    return Math.min(MAX_RESERVE, Math.max(MIN_RESERVE, recentUsage(this.sqlite, prefix, this.opts.clock.now())));
  }

  private numberReserves(): NumberReserve[] {
    if (!this.joined()) return [];
    const out: NumberReserve[] = [];
    for (const prefix of LEASED_PREFIXES) {
      const remaining = leasedRemaining(this.sqlite, prefix);
      if (remaining === null) continue;
      const reserve = this.reserveTarget(prefix);
      out.push({ prefix, remaining, reserve, low: this.leases() && remaining < reserve * LOW_SHARE, provisional: provisionalCount(this.sqlite, prefix) });
    }
    return out;
  }

  /** Only staff devices number ahead; a requester's or auditor's new tickets are numbered on push. */
  private leases(): boolean {
    const role = getMetaJson<{ role?: string } | null>(this.sqlite, K.user, null)?.role;
    return role === 'admin' || role === 'technician';
  }

  private setState(s: SyncState, error?: string | null) {
    this.state = s;
    if (error !== undefined) this.metaWrite(() => setMeta(this.sqlite, K.lastError, error ?? ''));
    this.opts.onStatus?.(this.status());
  }

  /**
   * A small bookkeeping write (refreshed tokens, the last error) made after a network wait: while
   * an import holds the write gate it is queued behind it rather than blocking the main thread on
   * SQLite's lock. It runs now when the gate is free.
   */
  private metaWrite(fn: () => void): void {
    const gate = writeGate(this.sqlite);
    if (gate.busy()) void gate.exclusive(fn);
    else fn();
  }

  async join(serverUrl: string, username: string, password: string, localPersonId: string | null = null): Promise<SyncStatus> {
    const url = serverUrl.replace(/\/+$/, '');
    if (this.joined() && getMeta(this.sqlite, K.url) !== url) {
      throw new AppError('conflict', `This device is joined to ${getMeta(this.sqlite, K.url)}. Leave it first.`);
    }
    let saved: Credentials | null = null;
    const t = this.opts.transportFactory
      ? this.opts.transportFactory(url, null, (c) => (saved = c))
      : new HttpTransport(url, null, (c) => (saved = c));
    try {
      const pair = await t.login(username, password, localDeviceId(this.sqlite), os.hostname());
      // An import may have started while the server answered: join's writes wait for it.
      await writeGate(this.sqlite).exclusive(() =>
        this.sqlite.transaction(() => {
          setMeta(this.sqlite, K.url, url);
          this.writeCreds(saved ?? { accessToken: pair.accessToken, refreshToken: pair.refreshToken, accessExpiresAt: Date.now() + pair.expiresIn * 1000 });
          setMetaJson(this.sqlite, K.user, { username: pair.user.username, role: pair.user.role, personId: pair.user.personId ?? pair.user.id });
          // From now on numbers come from leased blocks, or are visibly provisional until one arrives.
          for (const prefix of LEASED_PREFIXES) startLeasing(this.sqlite, prefix);
          // The person joining takes the id the server knows them by (see identity.ts).
          if (localPersonId) adoptIdentity(this.sqlite, localPersonId, pair.user.personId ?? pair.user.id, this.opts.clock.now().toISOString());
          deleteMeta(this.sqlite, K.rejoin);
        })(),
      );
    } catch (e) {
      throw toAppError(e);
    }
    this.transport = null;
    this.failures = 0;
    this.setState('syncing', null);
    this.start();
    this.schedule(0);
    return this.status();
  }

  /** The team member this device joined as (their synced user id), or null when not joined. */
  joinedPerson(): { personId: string; username: string; role: string } | null {
    const u = getMetaJson<{ username: string; role: string; personId?: string } | null>(this.sqlite, K.user, null);
    return u?.personId ? { personId: u.personId, username: u.username, role: u.role } : null;
  }

  async leave(): Promise<SyncStatus> {
    this.stop();
    if (this.running) await this.running.catch(() => undefined);
    try {
      // Best effort: push what is pending, then tell the server to forget this device.
      if (this.joined()) {
        await this.pushAll().catch(() => 0);
        await Promise.resolve()
          .then(() => this.tx().revoke(localDeviceId(this.sqlite)))
          .catch(() => undefined);
      }
    } finally {
      await this.forgetServer();
      this.transport = null;
      this.setState('standalone', null);
    }
    return this.status();
  }

  /**
   * Checks a team member's password with the server (their first sign-in on this device). Throws
   * `unauthenticated` when the server says no, and says so plainly when it cannot be reached.
   */
  async verifyPerson(username: string, password: string): Promise<void> {
    const t = this.tx();
    if (!t.verifyPerson) throw new AppError('unauthenticated', 'Wrong username or password.');
    try {
      await t.verifyPerson(username, password);
    } catch (e) {
      if (e instanceof OfflineError) throw new AppError('unauthenticated', `${username} has not signed in on this device before, and the server that checks their password cannot be reached. Connect to the network for their first sign-in.`);
      if (e instanceof SyncHttpError && (e.status === 401 || e.status === 403 || e.status === 400)) throw new AppError('unauthenticated', 'Wrong username or password.');
      throw toAppError(e);
    }
  }

  /** The joined user's own password, changed on the server, where the account lives. */
  async changePassword(current: string, next: string): Promise<void> {
    const t = this.tx();
    if (!t.changePassword) throw new AppError('conflict', 'This connection to the server cannot change passwords.');
    try {
      await t.changePassword(current, next);
    } catch (e) {
      if (e instanceof OfflineError) throw new AppError('conflict', `Your account lives on the server, so changing its password needs the server. ${e.message}`);
      if (e instanceof SyncHttpError && e.code === 'invalid_input') throw new AppError('invalid_input', e.message, [{ path: [/current/i.test(e.message) ? 'current' : 'next'], message: e.message }]);
      throw toAppError(e);
    }
  }

  /** Push everything, then pull everything. Concurrent callers share one run (and one more after it). */
  syncNow(): Promise<SyncResult> {
    // Reported lost: the store is being wiped, so no pass may start on it; every caller hears why.
    if (this.lost) return Promise.reject(this.lost);
    if (this.running) {
      // Wait for the pass in flight, then run once more so changes made meanwhile go too; the
      // answer counts both passes, so a caller sees the work done on its behalf.
      const inFlight = this.running.catch(() => null);
      return inFlight.then(async (first) => {
        const second = await this.syncNow();
        return first ? { pushed: first.pushed + second.pushed, pulled: first.pulled + second.pulled, rejected: first.rejected + second.rejected, conflicts: first.conflicts + second.conflicts } : second;
      });
    }
    const p = this.runOnce().finally(() => {
      this.running = null;
    });
    this.running = p;
    return p;
  }

  private async runOnce(): Promise<SyncResult> {
    if (!this.joined()) throw new AppError('conflict', 'This device is not joined to a server. Join one in Settings → Sync.');
    this.setState('syncing');
    try {
      const before = this.openConflicts();
      const pushed = await this.pushAll();
      await this.ensureLeases();
      const pulled = await this.pullAll();
      // Evidence files after the records: a large upload never holds back tickets and assets.
      const files = await syncBlobs(this.sqlite, blobStoreOf(this.opts.store), this.tx(), () => this.opts.clock.now().toISOString());
      if (files.corrupt.length) this.opts.log?.('evidence files damaged on this device were not uploaded', { sha256: files.corrupt });
      this.failures = 0;
      this.reached();
      // The server is back, found by a retried pass: the live stream, waiting out its backoff (up to
      // a minute), connects now, or this device would miss the pokes of the other devices' catch-up.
      if (this.liveDown && this.started) {
        this.stopLiveOnly();
        this.startLive();
      }
      // Writes after a network wait go through the write gate: an import may hold it meanwhile.
      await writeGate(this.sqlite).exclusive(() => {
        setMeta(this.sqlite, K.lastSyncedAt, this.opts.clock.now().toISOString());
        // Spoken to the server since a restore: from now on a loss report is about this store.
        deleteMeta(this.sqlite, RESTORED_AT_META);
        this.setState('synced', null);
      });
      return { pushed: pushed.count, pulled, rejected: pushed.rejected, conflicts: Math.max(0, this.openConflicts() - before) };
    } catch (e) {
      this.failures++;
      const err = toAppError(e);
      if (e instanceof OfflineError && !(e instanceof DroppedError)) this.unreachable();
      // The server answered (with a refusal, or began to before the connection dropped): it is
      // there, so no probing for its return; the backoff paces the retries (a proxy that cuts long
      // answers would otherwise have each probe's answer start another pass two seconds later).
      else if (e instanceof SyncHttpError || e instanceof DroppedError) this.reached();
      this.setState(e instanceof OfflineError ? 'offline' : 'error', err.message);
      if (e instanceof SyncHttpError && (e.code === 'device_revoked' || e.status === 401)) this.stopLiveOnly();
      if (e instanceof SyncHttpError && e.code === 'device_lost' && getMeta(this.sqlite, RESTORED_AT_META)) {
        throw await this.setAsideRestored(e.message);
      }
      if (e instanceof SyncHttpError && e.code === 'device_lost' && this.opts.onLost) {
        this.lost = err;
        const onLost = this.opts.onLost;
        this.stop();
        setImmediate(() => onLost(e.message));
      }
      throw err;
    }
  }

  /**
   * The server says this store's device was reported lost, but the store was restored from a backup
   * (by someone holding its key) and has not synced since: its owner bringing the work back on
   * another machine, not the lost laptop. Wiping would destroy what the backup holds and the server
   * lacks, and would protect nothing from whoever already holds the key. The store leaves the lost
   * device behind instead (as leaving the server does: a new device id, its waiting changes moved to
   * it), sends nothing, and asks to join again; its owner's password then signs in a new device and
   * the waiting changes go. Changes the server already has are known by their ids and not applied twice.
   */
  private async setAsideRestored(serverMessage: string): Promise<AppError> {
    this.stop();
    const when = /on (\d{4}-\d\d-\d\d \d\d:\d\d UTC)/.exec(serverMessage)?.[1];
    const waiting = pendingCount(this.sqlite);
    const notice =
      `This store was restored from a backup of a device an administrator reported lost${when ? ` on ${when}` : ''}. ` +
      `Outpost kept it and sent nothing. Join the server again to sync it as a new device: ` +
      `${waiting === 1 ? 'the 1 change' : `the ${waiting.toLocaleString('en')} changes`} waiting here will be sent then.`;
    await this.forgetServer(() => {
      deleteMeta(this.sqlite, RESTORED_AT_META);
      setMeta(this.sqlite, K.rejoin, notice);
    });
    this.transport = null;
    this.opts.log?.('restored store of a device reported lost: set aside from that device, join again to sync', {});
    this.setState('standalone', null);
    return new AppError('conflict', notice);
  }

  /**
   * Leaves the server on this side (leaving, or a restored store setting a lost device aside): its
   * settings and tokens go, and the store takes a new device id, since the server forgets the old one
   * for good (revoked ids are never reused); changes still waiting go with it under the new id.
   * `also` runs in the same transaction.
   */
  private async forgetServer(also?: () => void): Promise<void> {
    await writeGate(this.sqlite).exclusive(() =>
      this.sqlite.transaction(() => {
        this.sqlite.prepare("DELETE FROM meta WHERE key LIKE 'sync.%'").run();
        const next = uuidv7();
        setMeta(this.sqlite, 'device_id', next);
        this.sqlite.prepare('UPDATE pending_ops SET device_id = ?').run(next);
        also?.();
      })(),
    );
    resetDeviceState(this.sqlite);
  }

  private openConflicts(): number {
    return this.sqlite.prepare("SELECT count(*) FROM sync_conflicts WHERE status = 'open'").pluck().get() as number;
  }

  async pushAll(): Promise<{ count: number; rejected: number }> {
    let count = 0;
    let rejected = 0;
    for (let batch = 0; ; batch++) {
      // The last batch's answer was just read and acknowledged in this turn of the event loop:
      // the windows are answered before the next batch is read and sent.
      if (batch > 0) await yieldToIo();
      // The batch and the audit chain's tip in one read: the anchor covers the events of those ops.
      const building = performance.now();
      const { ops, tip } = this.sqlite.transaction(() => ({ ops: nextBatch(this.sqlite, undefined, undefined, PUSH_BUILD_BUDGET_MS).ops, tip: this.anchorUnsupported ? null : chainTip(this.sqlite) }))();
      this.notePushStep(performance.now() - building);
      // With nothing to send, one push still carries a chain the server has not answered yet.
      if (!ops.length && !(tip && anchorWanted(this.sqlite, tip))) break;
      const req: PushRequest = { deviceId: localDeviceId(this.sqlite), clientVersion: CLIENT_VERSION, schemaVersion: SYNC_SCHEMA_MAX, cursor: getCursor(this.sqlite), ops };
      if (tip) req.audit = { head: tip.head, length: tip.length };
      let reply: PushResponse;
      try {
        reply = await this.tx().push(req);
      } catch (e) {
        // A server older than audit anchors refuses the field: push without it from now on.
        if (req.audit && e instanceof SyncHttpError && e.status === 400 && /audit/.test(e.message)) {
          this.anchorUnsupported = true;
          continue;
        }
        throw e;
      }
      const noteAnchor = () => {
        if (tip && !reply.seqClash?.length) noteAnchorReply(this.sqlite, tip, reply.auditAnchor, this.opts.clock.now().toISOString());
      };
      if (!ops.length) {
        await writeGate(this.sqlite).exclusive(noteAnchor);
        break;
      }
      const sent = new Set(ops.map((o) => o.deviceSeq));
      const answered = reply.results.filter((r) => sent.has(r.deviceSeq));
      if (reply.seqClash?.length) {
        // This store was copied or restored from a backup: its sequence numbers name other changes
        // on the server. What was answered is settled; the rest goes again under a new device id.
        if (answered.length) await writeGate(this.sqlite).exclusive(() => acknowledge(this.sqlite, answered, this.opts.clock.now().toISOString()));
        count += answered.length;
        await this.continueAsNewDevice();
        continue;
      }
      if (!answered.length) throw new SyncHttpError(502, 'bad_reply', 'The server answered a push without results.');
      // The anchor the server acknowledged is kept in the same transaction as the ops it answered.
      const acked = await writeGate(this.sqlite).exclusive(() => {
        const writing = performance.now();
        const out = this.sqlite.transaction(() => {
          const r = acknowledge(this.sqlite, answered, this.opts.clock.now().toISOString());
          noteAnchor();
          return r;
        })();
        this.notePushStep(performance.now() - writing);
        return out;
      });
      rejected += acked.rejected.length;
      for (const r of answered) if (r.status === 'rejected') this.opts.log?.('op rejected', { seq: r.deviceSeq, reason: r.reason });
      count += answered.length;
    }
    return { count, rejected };
  }

  private notePushStep(ms: number): void {
    this.stats.maxPushStepMs = Math.max(this.stats.maxPushStepMs, ms);
  }

  /**
   * Takes a new device id, signed in by the current session, and renumbers the changes still
   * waiting under it (in their order, from 1). Changes the server already holds under the old id
   * are recognised by their op ids and answered again, never applied twice.
   */
  private async continueAsNewDevice(): Promise<void> {
    const t = this.tx();
    if (!t.forkDevice) throw new SyncHttpError(409, 'store_copied', 'This store was copied or restored from a backup. Leave the server and join again to continue.');
    const next = uuidv7();
    await t.forkDevice(next, os.hostname());
    await writeGate(this.sqlite).exclusive(() =>
      this.sqlite.transaction(() => {
        const ids = this.sqlite.prepare('SELECT op_id FROM pending_ops ORDER BY device_seq').pluck().all() as string[];
        // Two steps, so no new number meets an old one on the unique index.
        this.sqlite.prepare('UPDATE pending_ops SET device_seq = -device_seq, device_id = ?').run(next);
        const renumber = this.sqlite.prepare('UPDATE pending_ops SET device_seq = ? WHERE op_id = ?');
        ids.forEach((id, i) => renumber.run(i + 1, id));
        setMeta(this.sqlite, 'device_id', next);
        setMeta(this.sqlite, 'device_seq', String(ids.length));
        deleteMeta(this.sqlite, RESTORED_AT_META);
        // Leased numbers belong to the old id; the new one leases its own.
        for (const prefix of LEASED_PREFIXES) dropLeasedBlocks(this.sqlite, prefix);
      })(),
    );
    resetDeviceState(this.sqlite);
    this.opts.log?.('store copy detected: continuing under a new device id', { device: next });
  }

  /** Pulls and applies one page; says how many changes it carried and whether more wait. */
  async pullPage(limit = DEFAULT_PULL_LIMIT, domains?: Set<string>): Promise<{ pulled: number; more: boolean }> {
    const cursor = getCursor(this.sqlite);
    const ahead = this.ahead;
    this.ahead = null;
    const { page, parseMs } = ahead && ahead.from === cursor ? await ahead.page : await this.fetchPage(cursor, limit);
    const standing = getMetaJson<{ username: string; role: string } | null>(this.sqlite, K.user, null);
    if (page.role && standing && page.role !== standing.role) {
      // Filtered for another role now: push what waits, drop what the old role read, read again.
      await this.pushAll();
      const r = await writeGate(this.sqlite).exclusive(() => {
        const out = rereadForRole(this.sqlite);
        if (out) {
          endBackfill(this.sqlite);
          setMetaJson(this.sqlite, K.user, { ...standing, role: page.role });
        }
        return out;
      });
      if (r) this.opts.log?.('role changed on the server: reading again', { role: page.role, removed: r.removed });
      if (domains) domains.add('tickets');
      return { pulled: 0, more: !!r };
    }
    if (page.scopes !== undefined && JSON.stringify(page.scopes) !== JSON.stringify(getScopes(this.sqlite) ?? '')) {
      const r = await this.changeScopes(page.scopes);
      if (r?.rewound) return { pulled: 0, more: true };
      if (!r) return { pulled: 0, more: false };
      if (r.removed && domains) domains.add('tickets');
    }
    // A first sync with more than a page to come fills empty registers without their query
    // indexes; pullAll builds them when the pull ends (see INITIAL_LOAD_TABLES).
    if (INITIAL_LOAD.deferIndexes && cursor === 0 && page.hasMore && page.changes.length) {
      const dropped = await writeGate(this.sqlite).exclusive(() => deferIndexes(this.sqlite, INITIAL_LOAD_TABLES, this.opts.clock.now()));
      if (dropped.length) this.opts.log?.('first sync: filling the registers before building their indexes', { indexes: dropped.length });
    }
    if (page.hasMore && page.cursor !== cursor && deferredIndexes(this.sqlite)) {
      const next = { from: page.cursor, page: this.fetchPage(page.cursor, limit) };
      // Read (or dropped) by the next pullPage; a failure surfaces there, not as an unhandled rejection.
      next.page.catch(() => undefined);
      this.ahead = next;
    }
    const applied = await this.applyInSlices(page, CURSOR_KEY, parseMs);
    if (applied !== 'none' && domains) for (const c of page.changes) domains.add(domainOf(c.entity));
    return { pulled: applied !== 'none' ? page.changes.length : 0, more: applied === 'part' || (page.hasMore && page.cursor !== cursor) };
  }

  /**
   * Applies a pulled page in time-boxed slices (see applyPageSlice), yielding to the event loop
   * between them, so no single write holds the host for much more than SLICE_BUDGET_MS. 'none' when
   * the page did not start where this device stands (ignored); 'part' when the cursor moved
   * elsewhere between two slices (the rest comes with the next pull).
   */
  private async fetchPage(cursor: number, limit: number): Promise<{ page: PullResponse; parseMs: number }> {
    const page = await this.tx().pull(cursor, limit);
    // Read now: with a page asked for ahead, the transport's figure is soon the next page's.
    return { page, parseMs: this.transport?.pullCostMs?.() ?? 0 };
  }

  private async applyInSlices(page: PullResponse, cursorKey: string, parseMs = this.transport?.pullCostMs?.() ?? 0): Promise<'all' | 'part' | 'none'> {
    this.stats.maxParseMs = Math.max(this.stats.maxParseMs, parseMs);
    let rest = page;
    let longest = 0;
    for (;;) {
      // Before every slice, the first included: the page's body was just read and parsed in this
      // turn of the event loop, and a slice on top of that would hold the windows for both.
      await yieldToIo();
      let ms = 0;
      const r = await writeGate(this.sqlite).exclusive(() => {
        // Measured inside the gate: waiting for it is not holding the event loop.
        const started = performance.now();
        const out = applyPageSlice(this.sqlite, rest, this.opts.clock.now().getTime(), cursorKey, SLICE_BUDGET_MS);
        ms = performance.now() - started;
        return out;
      });
      longest = Math.max(longest, ms);
      this.stats.maxApplyMs = Math.max(this.stats.maxApplyMs, ms);
      if (!r) return rest === page ? 'none' : 'part';
      this.stats.changes += r.taken;
      if (r.taken >= rest.changes.length) break;
      const last = rest.changes[r.taken - 1]!.seq;
      rest = { ...rest, from: last, changes: rest.changes.slice(r.taken) };
    }
    this.stats.pages++;
    if (cursorKey === CURSOR_KEY) this.adaptPullLimit(page.changes.length, longest, parseMs);
    return 'all';
  }

  /**
   * The user's sites changed on the server. Edits waiting in a site being lost are pushed first
   * (the server answers each, even if it now refuses them), then that site's rows leave the device;
   * a gained site is back-filled from the start (see backfill). Null when edits still wait.
   */
  private async changeScopes(next: string[] | null): Promise<{ removed: number; rewound: boolean } | null> {
    const { lost } = scopeChange(getScopes(this.sqlite), next);
    if (lost && pendingInScopes(this.sqlite, lost) > 0) await this.pushAll();
    const r = await writeGate(this.sqlite).exclusive(() => applyScopes(this.sqlite, next));
    if (!r) return null;
    if (r.removed) this.opts.log?.('sites removed from this device', { removed: r.removed });
    return r;
  }

  private adaptPullLimit(changes: number, longestSliceMs: number, parseMs: number): void {
    this.pullLimit = nextPullLimit(this.pullLimit, { changes, longestSliceMs, parseMs });
  }

  /** The page size the next pull asks for. */
  currentPullLimit(): number {
    return this.pullLimit;
  }

  /**
   * What this client's sync work held the event loop for at once, since it started (or the last
   * reset): pages applied, the changes they carried, the longest slice apply, the longest decode and
   * parse of a pulled page, and the longest push step (reading and encoding a batch, or writing its
   * answer), all in ms.
   */
  syncStats(opts: { reset?: boolean } = {}): { pages: number; changes: number; maxApplyMs: number; maxParseMs: number; maxPushStepMs: number; indexesBuilt: number; indexBuildMs: number } {
    const out = { ...this.stats };
    if (opts.reset) Object.assign(this.stats, { pages: 0, changes: 0, maxApplyMs: 0, maxParseMs: 0, maxPushStepMs: 0, indexesBuilt: 0, indexBuildMs: 0 });
    return out;
  }

  /** `limit`: a fixed page size (tests); by default each page is sized from the last one's apply time. */
  async pullAll(limit?: number): Promise<number> {
    let pulled = 0;
    const domains = new Set<string>();
    try {
      for (;;) {
        const r = await this.pullPage(limit ?? this.pullLimit, domains);
        pulled += r.pulled;
        if (!r.more) break;
        // Let the host answer its windows between pages, even when the next page is already here.
        await yieldToIo();
      }
      pulled += await this.backfill(limit ?? this.pullLimit, domains);
    } finally {
      this.ahead = null;
      // Indexes left out by a first sync are built when its pull ends, or stops (offline, an
      // error): the store is never used for long without them.
      if (this.sqlite.open && deferredIndexes(this.sqlite)) await this.buildDeferredIndexes();
      if (domains.size) this.opts.onApplied?.([...domains]);
    }
    return pulled;
  }

  private async buildDeferredIndexes(): Promise<void> {
    const started = performance.now();
    const { built, inWorker, searchBeside } = await restoreIndexes(this.opts.store);
    this.stats.indexesBuilt += built;
    this.stats.indexBuildMs += performance.now() - started;
    if (built) this.opts.log?.('first sync: indexes built', { indexes: built, inWorker, searchBeside, ms: Math.round(performance.now() - started) });
  }

  /**
   * Brings sites gained since the last pull from the start of the change log: pages with just those
   * sites, from 0 up to where the main cursor stood when they were gained (later changes in them
   * come with the ordinary pulls, which now include them). Its own cursor is saved with each page,
   * so an interrupted back-fill resumes where it stopped.
   */
  private async backfill(limit: number, domains: Set<string>): Promise<number> {
    let pulled = 0;
    for (;;) {
      const b = getBackfill(this.sqlite);
      if (!b) return pulled;
      const from = Number(getMeta(this.sqlite, BACKFILL_CURSOR_KEY) ?? '0');
      if (from >= b.upTo) {
        await writeGate(this.sqlite).exclusive(() => endBackfill(this.sqlite));
        return pulled;
      }
      const page = await this.tx().pull(from, limit, b.scopes ?? undefined);
      // The site list moved again meanwhile: the next ordinary pull applies that first.
      if (page.scopes !== undefined && JSON.stringify(page.scopes) !== JSON.stringify(getScopes(this.sqlite) ?? '')) return pulled;
      const applied = await this.applyInSlices(page, BACKFILL_CURSOR_KEY);
      if (applied !== 'none') {
        pulled += page.changes.length;
        for (const c of page.changes) domains.add(domainOf(c.entity));
      }
      if (applied !== 'part' && (!page.hasMore || page.cursor === from)) {
        await writeGate(this.sqlite).exclusive(() => endBackfill(this.sqlite));
        return pulled;
      }
    }
  }

  /**
   * Tops up the leased numbers of each prefix whenever the device is online, to a reserve sized to
   * its own recent rate (see reserveTarget), so tickets made offline get final numbers. A refusal
   * (the server's per-device cap, or numbers exhausted) leaves the reserve as it is: sync goes on.
   */
  private async ensureLeases(): Promise<void> {
    // A device joined before leased blocks existed numbers from blocks (or provisionally) from now on.
    await writeGate(this.sqlite).exclusive(() => {
      for (const prefix of LEASED_PREFIXES) {
        this.adoptOldLease(prefix);
        startLeasing(this.sqlite, prefix);
      }
    });
    if (!this.leases()) return;
    for (const prefix of LEASED_PREFIXES) {
      const remaining = leasedRemaining(this.sqlite, prefix) ?? 0;
      const target = this.reserveTarget(prefix);
      if (remaining >= target) continue;
      let fresh: LeaseResponse;
      try {
        fresh = await this.tx().lease(localDeviceId(this.sqlite), prefix, Math.max(MIN_BLOCK, target - remaining));
      } catch (e) {
        if (e instanceof SyncHttpError && (e.code === 'lease_limit' || e.code === 'numbers_exhausted')) {
          this.opts.log?.('number lease refused', { prefix, reason: e.message });
          continue;
        }
        throw e;
      }
      await writeGate(this.sqlite).exclusive(() => this.sqlite.transaction(() => addLeasedBlock(this.sqlite, prefix, { first: fresh.first, last: fresh.last })).immediate());
    }
  }

  /** A store from before leased blocks kept one lease per prefix: it becomes the first block. */
  private adoptOldLease(prefix: string): void {
    const old = getMetaJson<LeaseResponse | null>(this.sqlite, K.lease(prefix), null);
    if (getMeta(this.sqlite, K.lease(prefix)) === null) return;
    this.sqlite.transaction(() => {
      startLeasing(this.sqlite, prefix);
      if (old) addLeasedBlock(this.sqlite, prefix, { first: old.first, last: old.last });
      this.sqlite.prepare('DELETE FROM meta WHERE key = ?').run(K.lease(prefix));
    })();
  }

  /** Starts the scheduler and the live channel (no-op when not joined). */
  start(): void {
    if (!this.joined() || this.started) return;
    this.started = true;
    this.schedule(0);
    this.startLive();
  }

  private startLive(): void {
    this.liveDown = false;
    try {
      this.stopLive = this.tx().live(
        () => this.schedule(50),
        (connected, refused) => {
          this.liveDown = !connected;
          // The live stream reaching the server is news when it was away; losing it is a hint to
          // probe, unless the server answered and refused it (a proxy that will not hold a stream
          // open): probing a server that answers would start a pass every two seconds, for ever.
          if (connected && this.unreachableSince !== null) this.networkBack({ liveUp: true });
          else if (!connected && !refused && this.started) this.unreachable();
        },
      );
    } catch {
      this.stopLive = null;
    }
  }

  /**
   * The network may be back (the OS or the window said so, or a probe got an answer): sync now,
   * with the backoff reset, and reconnect the live channel at once instead of after its own backoff,
   * unless it is the live channel that just reached the server (`liveUp`): restarting that one
   * would drop the stream that brings the next poke.
   */
  networkBack(opts: { liveUp?: boolean } = {}): void {
    if (!this.started) return;
    const wasAway = this.unreachableSince !== null || this.state === 'offline' || this.state === 'error';
    this.reached();
    this.failures = 0;
    if (!wasAway) return;
    this.schedule(0);
    if (opts.liveUp) return;
    this.stopLiveOnly();
    this.startLive();
  }

  /** Something reached the server: no more probing. */
  private reached(): void {
    this.unreachableSince = null;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  /** The server did not answer: probe its /health often at first, then less often, until it does. */
  private unreachable(): void {
    if (!this.started) return;
    this.unreachableSince ??= Date.now();
    if (!this.probeTimer) this.probeLater();
  }

  private probeLater(): void {
    if (!this.started || this.unreachableSince === null) return;
    const away = Date.now() - this.unreachableSince;
    const timer = setTimeout(() => {
      void this.probe().then((up) => {
        // Something reached the server while this probe was out (and perhaps lost it again, with a
        // probe of its own): this answer is old news.
        if (this.probeTimer !== timer) return;
        this.probeTimer = null;
        if (up) this.networkBack();
        else this.probeLater();
      });
    }, away < PROBE_FAST_WINDOW_MS ? PROBE_FAST_MS : PROBE_SLOW_MS);
    timer.unref();
    this.probeTimer = timer;
  }

  private async probe(): Promise<boolean> {
    try {
      const t = this.tx();
      return t.health ? await t.health() : false;
    } catch {
      return false;
    }
  }

  private stopLiveOnly() {
    this.stopLive?.();
    this.stopLive = null;
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.reached();
    this.stopLiveOnly();
  }

  /** A local change happened: sync shortly, with whatever else is edited before the pass starts. */
  localChange(): void {
    if (this.started) this.schedule(DEBOUNCE_MS);
  }

  /**
   * Runs a pass in `ms`, unless one is already due sooner: a pass that ends schedules the next
   * poll, a minute away, and that must not put off the pass a poke or an edit asked for meanwhile
   * (the ending pass may have pulled before the other device pushed, or pushed before the edit).
   * Edits in a burst still share one pass: the first asks for it, the rest find it due.
   */
  private schedule(ms: number) {
    if (!this.started) return;
    const due = performance.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.syncNow().then(
        () => this.schedule(POLL_MS),
        () => this.schedule(backoff(this.failures)),
      );
    }, ms);
    this.timer.unref();
  }
}

/**
 * The size of the next pulled page, from what the last one cost the event loop at once: its longest
 * slice (a page is applied in slices, so its size alone no longer decides that) and the parse of
 * its body. Halved at once (or more) when either ran past its budget; grown gently while both keep
 * within theirs (a small page costs a round trip), never past what the parse budget would allow at
 * the last page's cost per change. A page much shorter than asked (the end of the log) says nothing.
 */
export function nextPullLimit(limit: number, last: { changes: number; longestSliceMs: number; parseMs: number }): number {
  if (last.changes < limit / 2) return limit;
  const over = Math.max(last.longestSliceMs / APPLY_BUDGET_MS, last.parseMs / PARSE_BUDGET_MS);
  if (over > 1) return Math.max(MIN_PULL_LIMIT, Math.floor(limit * Math.min(0.5, 1 / over)));
  const parsePerChange = last.parseMs / last.changes;
  const parseRoom = parsePerChange > 0 ? Math.floor(PARSE_BUDGET_MS / parsePerChange) : Infinity;
  return Math.max(MIN_PULL_LIMIT, Math.min(DEFAULT_PULL_LIMIT, Math.ceil(limit * 1.25), Math.max(limit, parseRoom)));
}

/**
 * Resolves after the event loop has read what waits on its sockets and pipes (a window's call), so
 * the next piece of sync work never runs in the same turn as the last. One setImmediate is not
 * enough from an I/O callback (a page's body just arrived): its callback runs in that same turn,
 * before the loop polls again; an immediate scheduled from an immediate waits for the next turn.
 */
export function yieldToIo(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Exponential backoff with full jitter, capped at five minutes. */
export function backoff(failures: number, random: () => number = Math.random): number {
  const base = Math.min(5 * 60_000, 1000 * 2 ** Math.min(failures, 12));
  return Math.round(base / 2 + random() * (base / 2));
}

function domainOf(entity: string): string {
  if (entity.startsWith('ticket')) return 'tickets';
  if (entity === 'sync_conflicts') return 'conflicts';
  if (['users', 'groups', 'sites', 'user_sites', 'group_members'].includes(entity)) return 'directory';
  return entity;
}

function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof OfflineError || e instanceof TlsError) return new AppError('conflict', e.message);
  if (e instanceof SyncHttpError) {
    if (e.status === 401 || e.status === 403) return new AppError('forbidden', `The server refused: ${e.message}`);
    return new AppError('conflict', `The server said: ${e.message}`);
  }
  return new AppError('internal', e instanceof Error ? e.message : String(e));
}

export { CURSOR_KEY };
