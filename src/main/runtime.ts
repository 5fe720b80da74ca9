/** Starts the main-process core shared by the Electron shell and the browser host. */
import path from 'node:path';
import os from 'node:os';
import { EventEmitter } from 'node:events';
import { openStore } from './db/open';
import { restoreIndexesNow } from './db/deferred-indexes';
import { createLogger, type Logger } from './log';
import { systemClock, type Clock } from './services/core/context';
import { reindexSearch, searchIndexStale } from './services/search/search';
import { startSearchMerges } from './services/search/maintenance';
import { startSlaRecomputes } from './services/sla/background';
import { repairImportedSla } from './services/sla/imported';
import { trainTriageModel } from './services/triage/triage';
import type { Runtime } from './api/dispatch';
import type { AppEvent } from '../shared/api';
import { attachSync, detachSync, setSecretBox } from './sync/registry';
import type { SecretBox } from './sync/secret-box';
import { migrateTeamSettings } from './services/settings/migrate';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { clearUploads, UPLOAD_FOLDER } from './services/uploads/uploads';
import { CIPHER_FILE, DEFAULT_CIPHER, encryptPlainStore, isPlainStore, passphraseKey, prepareStoreFile, readCipherChoice, reencryptStore, shredFile, storeBytes, storeExists, StoreKeyError, storeFiles, UPGRADE_AT_START_MAX_BYTES, writeCipherChoice, type StoreCipher, type StoreKey } from './db/store-key';
import { setStoreControl } from './db/store-control';
import type { Store } from './db/open';
import { DOWNLOAD_PREFIX, EXPORT_FOLDER, exportEverything, IMPORT_STAGING, importEverything, putImported, settleExports, settleImport } from './services/transfer/move';
import { settleBlobs } from './services/evidence/blobs';
import { setMeta } from './services/core/meta';
import { deriveMissingBusinessFigures } from './services/sla/figures';
import { BACKUP_FOLDER, backupStore, listBackups, restoreStore, settleBackups, settleRestore } from './db/backup';
import { appendAudit, verifyChain } from './services/core/audit';

export interface StartedRuntime extends Runtime {
  dataDir: string;
  events: EventEmitter;
  close(): void;
  /** Wipes this device's store and files (the server reported it lost) and opens an empty store. */
  onLost(message: string): void;
  /** Writes, checks and keeps a backup of the store now (scheduled ones call this too). */
  backup(): ReturnType<typeof backupStore>;
}

/** Folders of the data directory that hold records outside the store (evidence, attachments): wiped with it. */
export const BLOB_FOLDERS = ['blobs', 'evidence', 'attachments', UPLOAD_FOLDER, BACKUP_FOLDER, EXPORT_FOLDER, IMPORT_STAGING];

/** Scheduled backups: every OUTPOST_BACKUP_HOURS (24 unless set; 0 turns them off), the newest OUTPOST_BACKUP_KEEP (7) kept. */
function backupSchedule(): { everyMs: number; keep: number } {
  const hours = Number(process.env.OUTPOST_BACKUP_HOURS ?? 24);
  const keep = Number(process.env.OUTPOST_BACKUP_KEEP ?? 7);
  return { everyMs: Number.isFinite(hours) && hours > 0 ? hours * 3_600_000 : 0, keep: Number.isInteger(keep) && keep > 0 ? keep : 7 };
}

/** The check every backup, restore and encryption runs on a copy: the audit trail's chain holds. */
export function verifyCopy(sqlite: Parameters<typeof verifyChain>[0]): string | null {
  const chain = verifyChain(sqlite);
  return chain.valid ? null : `the audit trail's chain breaks at event ${chain.firstBroken}`;
}

/** meta key of the notice shown at first run after a wipe: { at, reason }. */
export const WIPED_META = 'device_wiped';

/** Where data lives when nothing says otherwise (the Electron shell passes its userData). */
export function defaultDataDir(): string {
  if (process.env.OUTPOST_DATA_DIR) return path.resolve(process.env.OUTPOST_DATA_DIR);
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData/Roaming'), 'Outpost');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library/Application Support/Outpost');
  // The same folder Electron's userData uses on Linux, so the desktop app and the browser host share one store.
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'Outpost');
}

/**
 * `secretBox`: the desktop shell's encryption for the stored server tokens (absent under plain Node).
 * `key`: the store's key (docs/encryption.md); a plain store found with a key is encrypted first.
 */
export function startRuntime(opts: {
  dataDir: string;
  clock?: Clock;
  log?: Logger;
  migrationsFolder?: string;
  secretBox?: SecretBox | null;
  key?: StoreKey | null;
  /**
   * The cipher asked for at this start (`--cipher`, OUTPOST_CIPHER): recorded as the store's choice and
   * the store re-encrypted with it if it is in another. Absent: the recorded choice holds (else AEGIS-256X4).
   */
  cipher?: StoreCipher | null;
  /** The largest store in AEGIS-256 brought to AEGIS-256X4 at start when no cipher is chosen (UPGRADE_AT_START_MAX_BYTES unless given). */
  cipherUpgradeMaxBytes?: number;
  /** A passphrase may encrypt a plain store from the console (the browser host: its key comes from a passphrase). */
  canProtect?: boolean;
  /** The desktop shell's save dialog for an export of everything (the browser host offers a download instead). */
  saveExportAs?: (suggestedName: string) => Promise<string | null>;
}): StartedRuntime {
  const dataDir = path.resolve(opts.dataDir);
  const file = path.join(dataDir, 'outpost.db');
  // An encrypted store without its key (a copied folder, a keychain that cannot unseal it): said
  // plainly, before anything is written into the folder.
  if (!opts.key && storeExists(file) && !isPlainStore(file)) {
    throw new StoreKeyError(
      `The store in ${dataDir} is encrypted and Outpost has no key for it. On the desktop the key is kept by this computer's keychain; on the browser host, start with its passphrase (--passphrase-file) or unlock it in the console.`,
    );
  }
  const log = opts.log ?? createLogger({ file: path.join(dataDir, 'logs', 'outpost.log') });
  // What a run killed mid-way left: a restore finished or undone, copies that are no backup or export removed.
  const restored = settleRestore(file);
  if (restored) log.warn({ dataDir }, restored === 'finished' ? 'an interrupted restore was finished' : 'an interrupted restore was undone');
  const imported = settleImport(path.join(dataDir, IMPORT_STAGING), file, path.join(dataDir, 'blobs'));
  if (imported) log.warn({ dataDir }, imported === 'finished' ? 'an interrupted import of everything was finished' : 'an import of everything cut short before it checked out was dropped');
  // The store's cipher: asked for now (then recorded first, so a start killed mid-way finishes the switch), or as recorded.
  if (opts.cipher && readCipherChoice(dataDir) !== opts.cipher) writeCipherChoice(dataDir, opts.cipher);
  const chosenCipher = (): StoreCipher => readCipherChoice(dataDir) ?? DEFAULT_CIPHER;
  // A large store in AEGIS-256 with no cipher chosen stays in it (UPGRADE_AT_START_MAX_BYTES): recorded, so it is the store's cipher from now on.
  const kept = prepareStoreFile(file, opts.key ?? null, verifyCopy, chosenCipher(), readCipherChoice(dataDir) ? {} : { keepAegis256Over: opts.cipherUpgradeMaxBytes ?? UPGRADE_AT_START_MAX_BYTES });
  if (kept) {
    writeCipherChoice(dataDir, kept);
    log.warn(
      { dataDir, cipher: kept, mb: Math.round(storeBytes(file) / 1048576) },
      'the store stays in AEGIS-256: re-encrypting a store this large with AEGIS-256X4 would hold up the start; an administrator can switch it in Settings › Security',
    );
  }
  const leftovers = [...settleBackups(path.join(dataDir, BACKUP_FOLDER)), ...settleExports(file, path.join(dataDir, EXPORT_FOLDER)), ...settleBlobs(path.join(dataDir, 'blobs'))];
  if (leftovers.length) log.warn({ files: leftovers }, 'removed what an interrupted backup, export or evidence file left behind');
  // Uploads a previous run kept are no one's any more (the list of them lived in that process).
  clearUploads(dataDir);
  // What every opening of the store does (at start, and after a restore or an encryption from the console).
  const open = (key: StoreKey | null): Store => {
    const opened = openStore(file, { migrationsFolder: opts.migrationsFolder, key, cipher: chosenCipher() });
    // Settings that used to be kept per device become team-wide synced rows (once per store).
    migrateTeamSettings(opened.sqlite, (opts.clock ?? systemClock).now().toISOString());
    // Dashboards' business-hours figures for tickets held from before they were kept (once per store).
    if (deriveMissingBusinessFigures(opened.sqlite)) log.info('business-hours figures derived for the tickets held');
    // Tickets imported from ServiceNow before pending moves carried Outpost's reasons: their SLA columns again (once per store).
    const repaired = repairImportedSla(opened.sqlite);
    if (repaired) log.info({ tickets: repaired }, 'SLA columns of imported ServiceNow tickets derived again');
    // A first sync interrupted while it filled the registers without their indexes: built now.
    const rebuilt = restoreIndexesNow(opened.sqlite);
    if (rebuilt) log.warn({ indexes: rebuilt }, 'indexes left out by an interrupted first sync built');
    if (searchIndexStale({ store: opened })) {
      log.warn('search index out of step with tickets; rebuilding');
      reindexSearch({ store: opened });
    }
    return opened;
  };
  const store = open(opts.key ?? null);
  const events = new EventEmitter();
  events.setMaxListeners(1000);
  log.info({ dataDir, encrypted: !!store.key }, 'store open');
  const rt: StartedRuntime = {
    store,
    clock: opts.clock ?? systemClock,
    log,
    dataDir,
    events,
    emit: (e: AppEvent) => events.emit('event', e),
    backup: () => backupStore(rt.store.sqlite, rt.store.key ?? null, path.join(dataDir, BACKUP_FOLDER), { now: rt.clock.now(), keep: backupSchedule().keep, verify: verifyCopy }),
    close: () => {
      clearInterval(backupTimer);
      stopSearchMerges();
      stopSlaRecomputes();
      detachSync(rt.store);
      rt.store.close();
      log.flush?.();
    },
    onLost: (message) => {
      const old = rt.store;
      detachSync(old);
      old.close();
      // Overwritten, then removed: the store, its log and shared memory, any copy left mid-encryption or
      // mid-switch of its cipher, and the store a restore kept aside (it holds the same records).
      const copies = ['', '.encrypting', '.plain-backup', '.reencrypting', '.cipher-backup', '.sqlcipher-backup', '.before-restore', '.restoring', '.exporting'];
      for (const f of copies.flatMap((c) => storeFiles(`${old.path}${c}`))) shredFile(f);
      for (const d of BLOB_FOLDERS) {
        const dir = path.join(dataDir, d);
        if (!fs.existsSync(dir)) continue;
        for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) shredFile(path.join(e.parentPath, e.name));
        fs.rmSync(dir, { recursive: true, force: true });
      }
      // The empty store is encrypted as the wiped one was chosen to be (the choice stays, as the key's salt does).
      const fresh = openStore(old.path, { migrationsFolder: opts.migrationsFolder, key: old.key ?? null, cipher: chosenCipher() });
      setMeta(fresh.sqlite, WIPED_META, JSON.stringify({ at: rt.clock.now().toISOString(), reason: message }));
      rt.store = fresh;
      setSecretBox(fresh, opts.secretBox ?? null);
      control(fresh);
      log.warn({ dataDir }, 'the server reported this device lost: store wiped');
      // Open windows find their session gone and show the first-run screen with the reason.
      rt.emit({ type: 'changed', domain: 'setup', ids: [] });
    },
  };
  /**
   * Closes the store, lets `change` replace or rewrite its file, and opens it again (with `key`), sync
   * detached meanwhile. When `change` fails the store opens again as it was.
   */
  const reopen = (change: () => StoreKey | null) => {
    const old = rt.store;
    const oldKey = old.key ?? null;
    detachSync(old);
    old.close();
    let key = oldKey;
    try {
      key = change();
    } finally {
      const fresh = open(key);
      rt.store = fresh;
      setSecretBox(fresh, opts.secretBox ?? null);
      control(fresh);
      if (!process.env.OUTPOST_NO_SYNC) attachSync(rt);
      // Open windows find what changed (a restored store has its own sessions: they sign in again).
      rt.emit({ type: 'changed', domain: 'setup', ids: [] });
    }
  };
  const backupDir = path.join(dataDir, BACKUP_FOLDER);
  const control = (s: Store) =>
    setStoreControl(s, {
      canProtect: !!opts.canProtect,
      protect: (passphrase) =>
        reopen(() => {
          const key = passphraseKey(dataDir, passphrase);
          encryptPlainStore(file, key, verifyCopy, chosenCipher());
          log.info({ dataDir }, 'store encrypted with a passphrase chosen in the console');
          return key;
        }),
      cipher: chosenCipher,
      setCipher: (cipher, actorId) => {
        let was: StoreCipher | null = null;
        reopen(() => {
          const key = rt.store.key ?? null;
          if (!key) throw new Error('A plain store has no cipher to change: encrypt it first.');
          const before = readCipherChoice(dataDir);
          // Recorded first: a run killed during the switch finishes it at the next start (prepareStoreFile).
          writeCipherChoice(dataDir, cipher);
          try {
            was = reencryptStore(file, key, cipher, verifyCopy);
            log.warn({ from: was, to: cipher }, 'store re-encrypted with the cipher an administrator chose');
          } catch (e) {
            // The store is as it was (the checked copy did not take its place): so is its choice.
            if (before) writeCipherChoice(dataDir, before);
            else fs.rmSync(path.join(dataDir, CIPHER_FILE), { force: true });
            throw e;
          }
          return key;
        });
        // In the re-encrypted store's own trail (the copy was checked against the chain as it was).
        appendAudit(rt.store.sqlite, { at: rt.clock.now().toISOString(), actorId, call: 'store.setCipher', recordType: 'store', recordId: null, before: { cipher: was }, after: { cipher } });
        return was!;
      },
      backups: () => listBackups(backupDir),
      backup: () => rt.backup(),
      saveExportAs: opts.saveExportAs,
      exportTo: (passphrase, out) => {
        const now = rt.clock.now();
        const r = exportEverything({
          sqlite: rt.store.sqlite,
          storeFile: file,
          storeKey: rt.store.key ?? null,
          cipher: chosenCipher(),
          blobsDir: path.join(dataDir, 'blobs'),
          out: out ?? path.join(dataDir, EXPORT_FOLDER, `${DOWNLOAD_PREFIX}${crypto.randomUUID()}.outpost`),
          passphrase,
          now,
          exportDir: path.join(dataDir, EXPORT_FOLDER),
        });
        log.info({ bytes: r.bytes, blobs: r.blobs, download: out === null }, 'everything exported');
        return r;
      },
      importFrom: (from, passphrase) => {
        let result: ReturnType<typeof importEverything> | null = null;
        const staging = path.join(dataDir, IMPORT_STAGING);
        reopen(() => {
          const key = rt.store.key ?? null;
          const chosen = readCipherChoice(dataDir);
          result = importEverything({ file: path.resolve(from), passphrase, stagingDir: staging, newKey: key, verify: verifyCopy, cipher: chosen });
          putImported(staging, file, path.join(dataDir, 'blobs'));
          // The exported store's cipher is kept when this machine never chose one.
          if (!chosen) writeCipherChoice(dataDir, result.cipher);
          log.warn({ exportedAt: result.exportedAt, blobs: result.blobs }, 'everything imported from another machine');
          return key;
        });
        return result!;
      },
      restore: (name) =>
        reopen(() => {
          const key = rt.store.key ?? null;
          restoreStore(path.join(backupDir, path.basename(name)), file, key, verifyCopy);
          // A backup taken before the cipher was switched is re-encrypted with the store's chosen one (checked copy).
          if (key) reencryptStore(file, key, chosenCipher(), verifyCopy);
          log.warn({ backup: path.basename(name) }, 'store restored from a backup; the one it replaced is kept as outpost.db.before-restore');
          return key;
        }),
    });
  setSecretBox(store, opts.secretBox ?? null);
  control(store);
  // Scheduled backups: checked hourly, written when the newest is older than the interval.
  const schedule = backupSchedule();
  const backupTimer = setInterval(() => {
    if (!schedule.everyMs) return;
    const newest = listBackups(path.join(dataDir, BACKUP_FOLDER))[0];
    if (newest && rt.clock.now().getTime() - Date.parse(newest.at) < schedule.everyMs) return;
    try {
      const b = rt.backup();
      log.info({ file: b.file, bytes: b.bytes }, 'backup written and checked');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'scheduled backup failed');
    }
  }, Math.min(3_600_000, schedule.everyMs || 3_600_000));
  backupTimer.unref();
  // The ticket search indexes merge their segments between calls, not inside an edit (maintenance.ts).
  const stopSearchMerges = startSearchMerges(() => rt.store.sqlite);
  // A policy or calendar change on a large store recomputes deadlines and business hours in the
  // background; the queue's chips and the dashboards are refreshed when it is done.
  const stopSlaRecomputes = startSlaRecomputes(() => rt.store.sqlite, {
    onDone: (run) => {
      log.info({ chunks: run.chunks, longestChunkMs: Math.round(run.longestChunkMs), ms: Math.round(run.ms) }, 'SLA recompute finished');
      rt.emit({ type: 'changed', domain: 'tickets', ids: [] });
    },
    onError: (e) => log.error({ err: e.message }, 'SLA recompute failed; it is tried again'),
  });
  // Triage suggestions learn from this device's resolved tickets: trained once the app is up, off the
  // start path (the first suggestion would start it otherwise), and again as tickets get resolved.
  setTimeout(() => void trainTriageModel(rt), 2_000).unref();
  // Sync starts with the runtime when this device is joined to a server (no-op when standalone).
  if (!process.env.OUTPOST_NO_SYNC) attachSync(rt);
  return rt;
}
