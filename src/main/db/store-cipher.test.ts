/**
 * The store's chosen cipher, on real files: a store chosen to be in SQLCipher 4 or SQLCipher 3 (4096-byte
 * pages) is created, opened and kept in it (never re-encrypted to AEGIS-256 at start), switching either
 * way goes through the checked copy and keeps every row, an interrupted switch settles, and backups
 * carry the store's cipher and its choice.
 */
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { tempDir } from '../testing';
import { openStore } from './open';
import {
  CIPHER_FILE,
  cipherBackupOf,
  connectionCipher,
  keyPragmas,
  openConnection,
  parseCipher,
  prepareStoreFile,
  readCipherChoice,
  reencryptStore,
  storeCipherOf,
  STORE_CIPHERS,
  writeCipherChoice,
  type StoreCipher,
} from './store-key';
import { backupStore, checkStoreFile } from './backup';

const ok = () => null;

function storeWith(file: string, rows: number, key: Buffer, cipher: StoreCipher): void {
  const s = openStore(file, { key, cipher });
  for (let i = 0; i < rows; i++) s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`k${i}`, `secret value ${i}`);
  s.close();
}

const metaRows = (file: string, key: Buffer) => {
  const s = openConnection(file, key);
  try {
    return s.prepare("SELECT count(*) FROM meta WHERE key LIKE 'k%'").pluck().get();
  } finally {
    s.close();
  }
};

/** Opens only with exactly these pragmas (what SQLCipher's own tools would be given). */
function opensWith(file: string, pragmas: string[]): boolean {
  const db = new Database(file);
  try {
    for (const p of pragmas) db.pragma(p);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

describe('a store chosen to be in a SQLCipher scheme', () => {
  it('names the ciphers it offers when given one it does not', () => {
    expect(STORE_CIPHERS).toEqual(['aegis-256x4', 'aegis-256', 'sqlcipher-4', 'sqlcipher-3']);
    expect(parseCipher(' SQLCipher-4 ', '--cipher')).toBe('sqlcipher-4');
    expect(() => parseCipher('aes-256-cbc', '--cipher')).toThrow('--cipher names the cipher "aes-256-cbc"; the ciphers Outpost offers are aegis-256x4, aegis-256, sqlcipher-4, sqlcipher-3.');
  });

  it('records the choice beside the store, and refuses a choice file it cannot read', () => {
    const t = tempDir('outpost-cipher-');
    try {
      expect(readCipherChoice(t.dir)).toBeNull();
      writeCipherChoice(t.dir, 'sqlcipher-4');
      expect(readCipherChoice(t.dir)).toBe('sqlcipher-4');
      expect(JSON.parse(fs.readFileSync(path.join(t.dir, CIPHER_FILE), 'utf8'))).toEqual({ version: 1, cipher: 'sqlcipher-4' });
      expect(fs.existsSync(path.join(t.dir, `${CIPHER_FILE}.tmp`))).toBe(false);
      fs.writeFileSync(path.join(t.dir, CIPHER_FILE), JSON.stringify({ version: 1, cipher: 'des' }));
      expect(() => readCipherChoice(t.dir)).toThrow('names the cipher "des"; the ciphers Outpost offers are');
      fs.writeFileSync(path.join(t.dir, CIPHER_FILE), '{ cut sh');
      expect(() => readCipherChoice(t.dir)).toThrow('is not a cipher choice Outpost can read');
    } finally {
      t.cleanup();
    }
  });

  for (const [cipher, pragmas] of [
    ['sqlcipher-4', ["cipher = 'sqlcipher'", 'legacy = 4']],
    ['sqlcipher-3', ["cipher = 'sqlcipher'", 'legacy = 3', 'legacy_page_size = 4096']],
  ] as const) {
    it(`${cipher}: a new store is created in it, opens with SQLCipher's own settings and the raw key only, is left in it at start, and refuses a changed page`, () => {
      const t = tempDir('outpost-cipher-');
      try {
        const file = path.join(t.dir, 'outpost.db');
        const key = crypto.randomBytes(32);
        storeWith(file, 30, key, cipher);
        expect(storeCipherOf(file, key)).toBe(cipher);
        expect(keyPragmas(key, cipher)).toEqual([...pragmas, `key = "x'${key.toString('hex')}'"`, 'secure_delete = FAST']);
        expect(opensWith(file, [...pragmas, `key = "x'${key.toString('hex')}'"`])).toBe(true);
        expect(opensWith(file, [...pragmas, `key = "x'${crypto.randomBytes(32).toString('hex')}'"`])).toBe(false);
        expect(opensWith(file, ["cipher = 'aegis'", "algorithm = 'aegis-256'", `key = "raw:${key.toString('hex')}"`])).toBe(false);
        // The other SQLCipher scheme does not open it either: the HMAC differs (SHA512 against SHA1).
        const other = cipher === 'sqlcipher-4' ? ["cipher = 'sqlcipher'", 'legacy = 3', 'legacy_page_size = 4096'] : ["cipher = 'sqlcipher'", 'legacy = 4'];
        expect(opensWith(file, [...other, `key = "x'${key.toString('hex')}'"`])).toBe(false);
        expect(fs.readFileSync(file).includes('secret value')).toBe(false);
        expect(fs.readFileSync(file).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');

        // Chosen, it stays: the start-up step finds nothing to do.
        const mtime = fs.statSync(file).mtimeMs;
        prepareStoreFile(file, key, ok, cipher);
        expect(fs.statSync(file).mtimeMs).toBe(mtime);
        expect(storeCipherOf(file, key)).toBe(cipher);
        // Opened without naming its cipher (a backup's check, an import worker), it still opens.
        const c = openConnection(file, key);
        expect(connectionCipher(c)).toBe(cipher);
        c.close();

        // One bit changed in a page: its HMAC no longer matches and the page does not read.
        const bytes = fs.readFileSync(file);
        for (let at = 4096 + 2000; at < bytes.length; at += 4096) bytes[at]! ^= 1;
        fs.writeFileSync(file, bytes);
        expect(() => {
          const damaged = openConnection(file, key);
          try {
            damaged.prepare('SELECT count(*) FROM meta').get();
          } finally {
            damaged.close();
          }
        }).toThrow(/malformed|not a database/);
      } finally {
        t.cleanup();
      }
    });
  }

  it('switches AEGIS-256 → SQLCipher 3 → SQLCipher 4 → AEGIS-256 through checked copies, every row kept; a failing check leaves the store as it was', () => {
    const t = tempDir('outpost-cipher-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      const key = crypto.randomBytes(32);
      storeWith(file, 25, key, 'aegis-256');
      expect(() => reencryptStore(file, key, 'sqlcipher-3', () => 'the audit chain breaks')).toThrow(
        'The store was not re-encrypted with sqlcipher-3: the re-encrypted copy did not check out (the audit chain breaks). The store is unchanged (aegis-256).',
      );
      expect(storeCipherOf(file, key)).toBe('aegis-256');
      expect(fs.readdirSync(t.dir).filter((f) => /reencrypting|cipher-backup/.test(f))).toEqual([]);
      let from: StoreCipher = 'aegis-256';
      for (const to of ['sqlcipher-3', 'sqlcipher-4', 'aegis-256'] as const) {
        expect(reencryptStore(file, key, to, ok)).toBe(from);
        expect(storeCipherOf(file, key)).toBe(to);
        expect(metaRows(file, key)).toBe(25);
        expect(checkStoreFile(file, key, ok)).toBeNull();
        expect(fs.readFileSync(file).includes('secret value')).toBe(false);
        expect(fs.readdirSync(t.dir).filter((f) => /reencrypting|cipher-backup/.test(f))).toEqual([]);
        from = to;
      }
      // Nothing to do when it is already in the cipher asked for.
      expect(reencryptStore(file, key, 'aegis-256', ok)).toBe('aegis-256');
    } finally {
      t.cleanup();
    }
  });

  it('prepareStoreFile brings a store to its chosen cipher, and settles a switch interrupted before or after the swap', () => {
    const t = tempDir('outpost-cipher-');
    try {
      const key = crypto.randomBytes(32);
      // A store in AEGIS-256 whose choice became SQLCipher 4: re-encrypted at start.
      const a = path.join(t.dir, 'a.db');
      storeWith(a, 12, key, 'aegis-256');
      prepareStoreFile(a, key, ok, 'sqlcipher-4');
      expect(storeCipherOf(a, key)).toBe('sqlcipher-4');
      expect(metaRows(a, key)).toBe(12);

      // Killed mid-swap (original aside, copy not in place): the original goes back, then is switched again.
      const b = path.join(t.dir, 'b.db');
      storeWith(b, 8, key, 'aegis-256');
      fs.renameSync(b, cipherBackupOf(b));
      fs.writeFileSync(`${b}.reencrypting`, Buffer.alloc(4096, 7));
      prepareStoreFile(b, key, ok, 'sqlcipher-3');
      expect(fs.existsSync(cipherBackupOf(b))).toBe(false);
      expect(fs.existsSync(`${b}.reencrypting`)).toBe(false);
      expect(storeCipherOf(b, key)).toBe('sqlcipher-3');
      expect(metaRows(b, key)).toBe(8);

      // Killed after the swap, before the original was removed: the switched store stays, the original goes.
      const c = path.join(t.dir, 'c.db');
      storeWith(c, 5, key, 'sqlcipher-4');
      storeWith(path.join(t.dir, 'old.db'), 2, key, 'aegis-256');
      fs.renameSync(path.join(t.dir, 'old.db'), cipherBackupOf(c));
      prepareStoreFile(c, key, ok, 'sqlcipher-4');
      expect(fs.existsSync(cipherBackupOf(c))).toBe(false);
      expect(storeCipherOf(c, key)).toBe('sqlcipher-4');
      expect(metaRows(c, key)).toBe(5);

      // A plain store with a SQLCipher choice is encrypted straight into it.
      const d = path.join(t.dir, 'd.db');
      const plain = openStore(d);
      plain.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('k1', 'secret value 1');
      plain.close();
      prepareStoreFile(d, key, ok, 'sqlcipher-3');
      expect(storeCipherOf(d, key)).toBe('sqlcipher-3');
      expect(metaRows(d, key)).toBe(1);
    } finally {
      t.cleanup();
    }
  });

  it('a backup of a SQLCipher store is in the same cipher, checked with the key, and carries the choice beside it', () => {
    const t = tempDir('outpost-cipher-');
    try {
      const key = crypto.randomBytes(32);
      writeCipherChoice(t.dir, 'sqlcipher-4');
      const s = openStore(path.join(t.dir, 'outpost.db'), { key, cipher: 'sqlcipher-4' });
      s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('k1', 'secret value 1');
      const b = backupStore(s.sqlite, key, path.join(t.dir, 'backups'), { now: new Date('2026-12-07T03:00:00Z'), keep: 3, verify: ok });
      s.close();
      expect(storeCipherOf(b.file, key)).toBe('sqlcipher-4');
      expect(metaRows(b.file, key)).toBe(1);
      expect(readCipherChoice(path.join(t.dir, 'backups'))).toBe('sqlcipher-4');
    } finally {
      t.cleanup();
    }
  });
});
