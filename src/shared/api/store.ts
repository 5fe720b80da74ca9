/**
 * This device's store: unlocking it with its passphrase (browser host), protecting a plain store with
 * one, and its backups (list, write now, restore). See docs/encryption.md.
 */
import { z } from 'zod';
import { call, ADMIN } from './contract';

/**
 * The ciphers a store can be encrypted with (docs/encryption.md, "Which cipher, and why"): AEGIS-256X4
 * by default (AEGIS-256 in four lanes at once: the same cipher, about half its cost per page read);
 * AEGIS-256 in one lane, the default before it; SQLCipher 4's scheme, or SQLCipher 3's with
 * 4096-byte pages, for teams whose policy names AES-CBC + HMAC or who must open the store in
 * SQLCipher's own tools. The default comes first.
 */
export const STORE_CIPHERS = ['aegis-256x4', 'aegis-256', 'sqlcipher-4', 'sqlcipher-3'] as const;
export type StoreCipher = (typeof STORE_CIPHERS)[number];

/** A cipher named on a command line, in an environment variable or a file: one of STORE_CIPHERS, or an error naming them. */
export function parseCipher(value: string, where: string): StoreCipher {
  const v = value.trim().toLowerCase();
  const found = STORE_CIPHERS.find((c) => c === v);
  if (found) return found;
  throw new Error(`${where} names the cipher "${value}"; the ciphers Outpost offers are ${STORE_CIPHERS.join(', ')}.`);
}

export interface StoreState {
  /** 'locked': the browser host started on an encrypted store without its passphrase; only store.unlock answers. */
  state: 'open' | 'locked';
  encrypted: boolean;
  /** The cipher the open store is encrypted with (null: plain, or locked). */
  cipher: StoreCipher | null;
  /** A passphrase can protect this plain store here (the browser host; the desktop keeps its key in the OS keychain). */
  canProtect: boolean;
}

export interface BackupSummary {
  /** The backup's file name in the data folder's backups (what store.restore takes). */
  name: string;
  at: string;
  bytes: number;
  /** Every kept backup opened with the key and passed the integrity check and the audit chain when it was written. */
  checked: 'when written';
}

const passphrase = z
  .string()
  .min(8, { message: 'The passphrase must be at least 8 characters.' })
  .max(1024, { message: 'The passphrase must be at most 1024 characters.' });

export interface ExportSummary {
  /** The desktop's save dialog was closed without choosing a file: nothing was written. */
  cancelled: boolean;
  /** Desktop: where the file was saved (the place chosen in the save dialog). Null in the browser. */
  file: string | null;
  bytes: number;
  /** Evidence files carried in it. */
  blobs: number;
  /**
   * Browser host: the file as a download for this session only (a one-time address on this host, the
   * name to save it under, and when the offer lapses). Null on the desktop.
   */
  download: { url: string; name: string; expiresAt: string } | null;
}

export interface ImportSummary {
  exportedAt: string;
  /** Rows per table of the imported store, checked against the export's own count. */
  rows: number;
  blobs: number;
}

export const BACKUP_NAME = /^outpost-\d{8}T\d{6}Z\.db$/;

export const storeCalls = {
  /** Answered before unlock too: whether the store is open, encrypted, and can be protected here. */
  'store.state': call<StoreState>()(z.object({}).strict().default({}), 'public'),
  /** Opens a locked store with its passphrase (a wrong one is refused, and repeated tries wait longer each time). */
  'store.unlock': call<{ unlocked: true }>()(z.object({ passphrase: z.string().min(1, { message: 'Enter the passphrase.' }).max(1024) }).strict(), 'public'),
  /**
   * Encrypts this plain store with a key derived from a passphrase (the existing migration: a checked
   * encrypted copy takes its place). At first run before anyone is set up, or by an administrator.
   */
  'store.protect': call<{ encrypted: true }>()(z.object({ passphrase }).strict(), 'public'),
  /**
   * Re-encrypts this encrypted store with another cipher (administrators, their password asked again):
   * a checked copy takes the store's place, and the choice is kept for the next starts. Answers the
   * cipher it was in.
   */
  'store.setCipher': call<{ cipher: StoreCipher; was: StoreCipher }>()(
    z
      .object({
        cipher: z.enum(STORE_CIPHERS, { message: `Choose one of the ciphers Outpost offers: ${STORE_CIPHERS.join(', ')}.` }),
        password: z.string().min(1, { message: 'Enter your password.' }).max(1024),
      })
      .strict(),
    ADMIN,
  ),
  'store.backups': call<BackupSummary[]>()(z.object({}).strict().default({}), ADMIN),
  /** Writes and checks a backup now (the scheduled ones do the same). */
  'store.backup': call<BackupSummary>()(z.object({}).strict().default({}), ADMIN),
  /**
   * Puts a backup in place of the store: the backup is checked, the current store is kept aside as
   * outpost.db.before-restore, and the console carries on on the restored store (everyone signs in again).
   */
  /**
   * Export everything, for moving to a new machine: one file holding the store, every evidence file
   * and the store's key, encrypted with a passphrase chosen now (asked again at import). The desktop
   * asks where to save it; the browser host offers it as a download.
   */
  'store.export': call<ExportSummary>()(z.object({ passphrase }).strict(), ADMIN),
  /**
   * First run on a new machine: import everything from an export file on this computer (its path),
   * checked (integrity, every table's rows, the audit chain, the evidence files) before it becomes the
   * store. Refused once this device is set up.
   */
  'store.import': call<ImportSummary>()(
    z
      .object({
        path: z.string().trim().min(1, { message: 'Give the export file’s path on this computer.' }).max(4096),
        passphrase: z.string().min(1, { message: 'Enter the export’s passphrase.' }).max(1024),
      })
      .strict(),
    'public',
  ),
  'store.restore': call<{ restored: string }>()(
    z.object({ name: z.string().regex(BACKUP_NAME, { message: 'Name a backup from the list (outpost-YYYYMMDDTHHMMSSZ.db).' }) }).strict(),
    ADMIN,
  ),
};
