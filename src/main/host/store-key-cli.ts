/**
 * `npm run store-key -- [--data-dir D] --passphrase-file F`: prints what SQLCipher's own tools (or any
 * SQLite3 Multiple Ciphers shell) need to open this browser host's store: the pragmas for the cipher
 * it is in, with its raw key. The key is derived from the passphrase as Outpost derives it (scrypt with
 * the salt beside the store) and checked against the store first. Whoever has the passphrase and the
 * data folder can compute the same key: this adds no way in, it only saves typing. The desktop's key is
 * sealed by the OS keychain and cannot be printed here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../runtime';
import { parseCliOptions } from './cli-options';
import { connectionCipher, KEY_INFO_FILE, openConnection, passphraseKey, readPassphraseFile, SEALED_KEY_FILE, storeExists, type StoreCipher } from '../db/store-key';

const USAGE = 'Usage: npm run store-key -- [--data-dir D] --passphrase-file F';

/** The pragmas that open a store in `cipher` with the key `hex`, in SQLCipher's tools where it can (docs/encryption.md). */
export function openingPragmas(cipher: StoreCipher, hex: string): string[] {
  if (cipher === 'sqlcipher-4') return [`PRAGMA key = "x'${hex}'";`];
  if (cipher === 'sqlcipher-3') {
    return [
      `PRAGMA key = "x'${hex}'";`,
      'PRAGMA cipher_page_size = 4096;',
      '-- SQLCipher 4.x also needs: PRAGMA cipher_compatibility = 3;',
      '-- SQLCipher 3.x (an older SQLite) also needs, to read only: PRAGMA writable_schema = ON;',
    ];
  }
  return ["PRAGMA cipher = 'aegis';", `PRAGMA algorithm = '${cipher}';`, `PRAGMA key = "raw:${hex}";`];
}

export function storeKeyReport(argv: string[]): string {
  let dataDir = defaultDataDir();
  let passphraseFile = process.env.OUTPOST_PASSPHRASE_FILE ?? null;
  parseCliOptions(argv, {
    usage: USAGE,
    options: {
      '--data-dir': (v) => (dataDir = path.resolve(v)),
      '--passphrase-file': (v) => (passphraseFile = path.resolve(v)),
    },
  });
  const file = path.join(dataDir, 'outpost.db');
  if (!storeExists(file)) throw new Error(`There is no store in ${dataDir}. ${USAGE}`);
  if (!fs.existsSync(path.join(dataDir, KEY_INFO_FILE))) {
    throw new Error(
      fs.existsSync(path.join(dataDir, SEALED_KEY_FILE))
        ? `The store in ${dataDir} is the desktop app's: its key is sealed by this computer's keychain and is not printed.`
        : `The store in ${dataDir} has no passphrase (${KEY_INFO_FILE} is missing): it is not encrypted with one.`,
    );
  }
  if (!passphraseFile) throw new Error(`Give the store's passphrase with --passphrase-file F. ${USAGE}`);
  const key = passphraseKey(dataDir, readPassphraseFile(passphraseFile));
  const sqlite = openConnection(file, key);
  let cipher: StoreCipher;
  try {
    cipher = connectionCipher(sqlite)!;
  } finally {
    sqlite.close();
  }
  return [`-- ${file}: encrypted with ${cipher}. Work on a copy, with Outpost stopped. Keep this key as secret as the passphrase.`, ...openingPragmas(cipher, key.toString('hex'))].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(storeKeyReport(process.argv.slice(2)));
  } catch (e) {
    console.error(`Outpost could not give the store's key: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
