/**
 * `npm run restore -- FILE [--data-dir D] [--passphrase-file F]`: puts a backup in place of the store
 * (the console must not be running). The backup is checked first (it opens with the key, integrity
 * check, audit chain); the store it replaces is kept as outpost.db.before-restore. At the next sync
 * the server recognises the restored store and it carries on under a new device id, sending what it
 * holds that the server has not seen and receiving the rest: nothing lost, nothing doubled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, verifyCopy } from '../runtime';
import { restoreStore } from '../db/backup';
import { parseCliOptions } from './cli-options';
import { CIPHER_FILE, isPlainStore, KEY_INFO_FILE, passphraseKey, readCipherChoice, readPassphraseFile, shredFile, storeExists, storeFiles, writeCipherChoice } from '../db/store-key';
import { IMPORT_STAGING, importEverything, isMoveFile, putImported, settleImport } from '../services/transfer/move';

const USAGE = 'Usage: npm run restore -- BACKUP_OR_EXPORT_FILE [--data-dir D] [--passphrase-file F] [--export-passphrase-file E]';

export function restore(argv: string[]): string {
  const files: string[] = [];
  let dataDir = defaultDataDir();
  let passphraseFile = process.env.OUTPOST_PASSPHRASE_FILE ?? null;
  let exportPassphraseFile: string | null = null;
  parseCliOptions(argv, {
    usage: USAGE,
    options: {
      '--data-dir': (v) => (dataDir = path.resolve(v)),
      '--passphrase-file': (v) => (passphraseFile = path.resolve(v)),
      '--export-passphrase-file': (v) => (exportPassphraseFile = path.resolve(v)),
    },
    positional: (a) => {
      if (files.length) throw new Error(`Give one backup file. ${USAGE}`);
      files.push(path.resolve(a));
    },
  });
  const file = files[0];
  if (!file) throw new Error(`Name the backup file to restore. ${USAGE}`);
  if (isMoveFile(file)) return importMoveFile(file, dataDir, passphraseFile, exportPassphraseFile);
  // An encrypted backup opens with the passphrase and the salt it was made with, kept beside it.
  const backupKeyInfo = path.join(path.dirname(file), KEY_INFO_FILE);
  const storeKeyInfo = path.join(dataDir, KEY_INFO_FILE);
  let key: Buffer | null = null;
  if (!passphraseFile && storeExists(file) && !isPlainStore(file)) {
    throw new Error(`The backup ${file} is encrypted: give the passphrase it was made with (--passphrase-file F). The store was not changed. ${USAGE}`);
  }
  if (passphraseFile) {
    if (!fs.existsSync(backupKeyInfo) && !fs.existsSync(storeKeyInfo)) {
      throw new Error(
        `The backup ${file} needs the file ${KEY_INFO_FILE} that sits beside it in the backups folder (how the passphrase becomes the key; it holds no secret). Copy it beside the backup and run the restore again. The store was not changed.`,
      );
    }
    const source = fs.existsSync(backupKeyInfo) ? path.dirname(file) : dataDir;
    key = passphraseKey(source, readPassphraseFile(passphraseFile));
  }
  fs.mkdirSync(dataDir, { recursive: true });
  restoreStore(file, path.join(dataDir, 'outpost.db'), key, verifyCopy);
  if (key && fs.existsSync(backupKeyInfo) && path.resolve(backupKeyInfo) !== path.resolve(storeKeyInfo)) {
    if (fs.existsSync(storeKeyInfo)) fs.renameSync(storeKeyInfo, `${storeKeyInfo}.before-restore`);
    fs.copyFileSync(backupKeyInfo, storeKeyInfo);
  }
  // The cipher chosen for the store the backup was taken of comes with it, unless this folder chose one.
  const backupCipher = path.join(path.dirname(file), CIPHER_FILE);
  if (fs.existsSync(backupCipher) && readCipherChoice(dataDir) === null) writeCipherChoice(dataDir, readCipherChoice(path.dirname(file))!);
  return `Restored ${file} into ${dataDir}. The store it replaced is kept as outpost.db.before-restore. Start Outpost${key ? ' with the same passphrase' : ''}; it syncs on from the backup.`;
}

/**
 * An export of everything from another machine: read with its export passphrase, re-keyed for this
 * data folder (its own passphrase, or plain without one), checked, then put in place; a store already
 * here is kept as outpost.db.before-restore.
 */
function importMoveFile(file: string, dataDir: string, passphraseFile: string | null, exportPassphraseFile: string | null): string {
  if (!exportPassphraseFile) throw new Error(`${file} is an export of everything: give its passphrase with --export-passphrase-file E. ${USAGE}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const key = passphraseFile ? passphraseKey(dataDir, readPassphraseFile(passphraseFile)) : null;
  const staging = path.join(dataDir, IMPORT_STAGING);
  const store = path.join(dataDir, 'outpost.db');
  const blobs = path.join(dataDir, 'blobs');
  // An earlier import killed after it checked out is finished first (this one then replaces it).
  settleImport(staging, store, blobs);
  const chosen = readCipherChoice(dataDir);
  const result = importEverything({ file, passphrase: readPassphraseFile(exportPassphraseFile), stagingDir: staging, newKey: key, verify: verifyCopy, cipher: chosen });
  // The export's cipher is kept when this folder never chose one (the next start then leaves it as it is).
  if (!chosen) writeCipherChoice(dataDir, result.cipher);
  if (storeExists(store)) for (const f of storeFiles(`${store}.before-restore`)) shredFile(f);
  putImported(staging, store, blobs, { keepReplaced: true });
  return `Imported everything exported on ${result.exportedAt} into ${dataDir} (${result.blobs} evidence files), checked. Start Outpost${key ? ' with the same passphrase' : ''}; it syncs on as a new device.`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(restore(process.argv.slice(2)));
  } catch (e) {
    console.error(`Outpost could not restore: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
