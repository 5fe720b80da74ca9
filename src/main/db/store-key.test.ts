/** The store's key and the encryption of a plain store, on real files (interruptions included). */
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { tempDir } from '../testing';
import { openStore } from './open';
import {
  connectionCipher,
  isPlainStore,
  keyPragmas,
  openConnection,
  passphraseKey,
  prepareStoreFile,
  storeCipherOf,
  DEFAULT_CIPHER,
  StoreKeyError,
  storeBytes,
  KEY_INFO_FILE,
} from './store-key';

const ok = () => null;

function plainStoreWith(file: string, rows: number): void {
  const s = openStore(file);
  for (let i = 0; i < rows; i++) s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`k${i}`, `secret value ${i}`);
  s.close();
}

/** A store encrypted with SQLCipher 4's scheme, as Outpost wrote them before AEGIS-256 (see docs/encryption.md). */
export function legacyStoreWith(file: string, rows: number, key: Buffer): void {
  plainStoreWith(file, rows);
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.pragma(`rekey = "x'${key.toString('hex')}'"`);
  db.close();
}

/** Opens only with exactly these pragmas (SQLCipher 4's own settings, or the current cipher's). */
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

const metaRows = (file: string, key: Buffer) => {
  const s = openConnection(file, key);
  try {
    return s.prepare("SELECT count(*) FROM meta WHERE key LIKE 'k%'").pluck().get();
  } finally {
    s.close();
  }
};

describe('the store key', () => {
  it('derives the same key from the same passphrase in the same folder, another from another passphrase or folder', () => {
    const a = tempDir('outpost-key-');
    const b = tempDir('outpost-key-');
    try {
      const k1 = passphraseKey(a.dir, 'correct horse battery');
      expect(k1.length).toBe(32);
      expect(passphraseKey(a.dir, 'correct horse battery').equals(k1)).toBe(true);
      expect(passphraseKey(a.dir, 'correct horse batterY').equals(k1)).toBe(false);
      expect(passphraseKey(b.dir, 'correct horse battery').equals(k1)).toBe(false);
      const info = fs.readFileSync(path.join(a.dir, KEY_INFO_FILE), 'utf8');
      expect(JSON.parse(info)).toMatchObject({ kdf: 'scrypt', N: 131072, r: 8, p: 1 });
      expect(info).not.toContain('correct horse');
      expect(() => passphraseKey(a.dir, 'short')).toThrow(StoreKeyError);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('a new store is created encrypted; a wrong key is refused in words', () => {
    const t = tempDir('outpost-key-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      const key = crypto.randomBytes(32);
      openStore(file, { key }).close();
      expect(isPlainStore(file)).toBe(false);
      expect(() => openConnection(file, crypto.randomBytes(32))).toThrow('The passphrase does not open this store');
      expect(() => new Database(file).prepare('SELECT * FROM meta').all()).toThrow();
      openConnection(file, key).close();
    } finally {
      t.cleanup();
    }
  });

  it('a plain store is encrypted with every row, and the check that fails leaves it plain and whole', () => {
    const t = tempDir('outpost-key-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      plainStoreWith(file, 50);
      const key = crypto.randomBytes(32);
      expect(() => prepareStoreFile(file, key, () => 'the audit chain breaks')).toThrow('The plain store is unchanged');
      expect(isPlainStore(file)).toBe(true);
      expect(fs.readdirSync(t.dir).filter((f) => f.includes('encrypting') || f.includes('plain-backup'))).toEqual([]);

      prepareStoreFile(file, key, ok);
      expect(isPlainStore(file)).toBe(false);
      expect(fs.readdirSync(t.dir).filter((f) => f.includes('encrypting') || f.includes('plain-backup'))).toEqual([]);
      const s = openConnection(file, key);
      expect(s.prepare("SELECT count(*) FROM meta WHERE key LIKE 'k%'").pluck().get()).toBe(50);
      s.close();
      expect(fs.readFileSync(file).includes('secret value')).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it('an encryption interrupted before the swap starts again from the plain store; after the swap, the plain backup is removed', () => {
    const t = tempDir('outpost-key-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      const key = crypto.randomBytes(32);
      // Killed while the copy was being encrypted: a half-written copy beside the plain store.
      plainStoreWith(file, 20);
      fs.writeFileSync(`${file}.encrypting`, Buffer.alloc(4096, 7));
      prepareStoreFile(file, key, ok);
      expect(isPlainStore(file)).toBe(false);
      expect(fs.existsSync(`${file}.encrypting`)).toBe(false);

      // Killed after the swap, before the plain backup was removed.
      const other = path.join(t.dir, 'other.db');
      plainStoreWith(other, 20);
      fs.copyFileSync(other, `${file}.plain-backup`);
      prepareStoreFile(file, key, ok);
      expect(fs.existsSync(`${file}.plain-backup`)).toBe(false);
      expect(isPlainStore(file)).toBe(false);

      // Killed mid-swap: the plain store renamed away, the copy not yet in place.
      const third = path.join(t.dir, 'third.db');
      plainStoreWith(third, 5);
      fs.renameSync(third, `${third}.plain-backup`);
      prepareStoreFile(third, key, ok);
      expect(fs.existsSync(`${third}.plain-backup`)).toBe(false);
      const s = openConnection(third, key);
      expect(s.prepare("SELECT count(*) FROM meta WHERE key LIKE 'k%'").pluck().get()).toBe(5);
      s.close();
    } finally {
      t.cleanup();
    }
  });

  it('a new store is encrypted with AEGIS-256X4 and a raw key: it opens with those pragmas and no others, and a changed byte is refused', () => {
    const t = tempDir('outpost-key-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      const key = crypto.randomBytes(32);
      const s = openStore(file, { key });
      s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('k1', 'secret value 1');
      expect(connectionCipher(s.sqlite)).toBe('aegis-256x4');
      s.close();
      expect(DEFAULT_CIPHER).toBe('aegis-256x4');
      expect(opensWith(file, keyPragmas(key))).toBe(true);
      expect(keyPragmas(key)).toEqual(["cipher = 'aegis'", "algorithm = 'aegis-256x4'", `key = "raw:${key.toString('hex')}"`, 'secure_delete = FAST']);
      const again = openConnection(file, key);
      expect(again.pragma('secure_delete', { simple: true })).toBe(2);
      again.close();
      expect(opensWith(file, ["cipher = 'sqlcipher'", 'legacy = 4', `key = "x'${key.toString('hex')}'"`])).toBe(false);
      expect(opensWith(file, ["cipher = 'aegis'", "algorithm = 'aegis-128l'", `key = "raw:${key.toString('hex')}"`])).toBe(false);
      expect(opensWith(file, ["cipher = 'aegis'", "algorithm = 'aegis-256'", `key = "raw:${key.toString('hex')}"`])).toBe(false);
      expect(fs.readFileSync(file).includes('secret value')).toBe(false);
      // One bit changed in every page but the first: each page's tag no longer matches and nothing reads.
      const bytes = fs.readFileSync(file);
      for (let at = 4096 + 2000; at < bytes.length; at += 4096) bytes[at]! ^= 1;
      fs.writeFileSync(file, bytes);
      expect(() => {
        const c = openConnection(file, key);
        try {
          c.prepare('SELECT * FROM meta').all();
        } finally {
          c.close();
        }
      }).toThrow(/malformed/);
    } finally {
      t.cleanup();
    }
  });

  it('a store encrypted with SQLCipher 4 opens as it is, and at start is re-encrypted with AEGIS-256X4 with every row; a failing check leaves it as it was', () => {
    const t = tempDir('outpost-key-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      const key = crypto.randomBytes(32);
      legacyStoreWith(file, 40, key);
      const before = openConnection(file, key);
      expect(connectionCipher(before)).toBe('sqlcipher-4');
      before.close();
      expect(() => openConnection(file, crypto.randomBytes(32))).toThrow('The passphrase does not open this store');

      expect(() => prepareStoreFile(file, key, () => 'the audit chain breaks')).toThrow('The store is unchanged');
      expect(storeCipherOf(file, key)).toBe('sqlcipher-4');
      expect(metaRows(file, key)).toBe(40);
      expect(fs.readdirSync(t.dir).filter((f) => f.includes('reencrypting') || f.includes('sqlcipher-backup'))).toEqual([]);

      prepareStoreFile(file, key, ok);
      expect(storeCipherOf(file, key)).toBe('aegis-256x4');
      expect(opensWith(file, keyPragmas(key))).toBe(true);
      expect(metaRows(file, key)).toBe(40);
      expect(isPlainStore(file)).toBe(false);
      expect(fs.readFileSync(file).includes('secret value')).toBe(false);
      expect(fs.readdirSync(t.dir).filter((f) => f.includes('reencrypting') || f.includes('sqlcipher-backup'))).toEqual([]);
      // The next start finds nothing to do.
      const size = fs.statSync(file).mtimeMs;
      prepareStoreFile(file, key, ok);
      expect(fs.statSync(file).mtimeMs).toBe(size);
    } finally {
      t.cleanup();
    }
  });

  it('a store in AEGIS-256 (the default before AEGIS-256X4) opens as it is, and at start is re-encrypted with AEGIS-256X4 with every row, unless AEGIS-256 was chosen', () => {
    const t = tempDir('outpost-key-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      const key = crypto.randomBytes(32);
      const s = openStore(file, { key, cipher: 'aegis-256' });
      for (let i = 0; i < 30; i++) s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`k${i}`, `secret value ${i}`);
      s.close();
      const rows = metaRows(file, key);
      expect(storeCipherOf(file, key)).toBe('aegis-256');
      // Opened directly (a connection elsewhere, with the default asked for), it is read as it is.
      const direct = openConnection(file, key);
      expect(connectionCipher(direct)).toBe('aegis-256');
      direct.close();
      // Chosen for the store: kept at start.
      prepareStoreFile(file, key, ok, 'aegis-256');
      expect(storeCipherOf(file, key)).toBe('aegis-256');
      // Not chosen, but larger than the start's limit (here 0 bytes): left as it is, and said so.
      const mtime = fs.statSync(file).mtimeMs;
      expect(prepareStoreFile(file, key, ok, 'aegis-256x4', { keepAegis256Over: 0 })).toBe('aegis-256');
      expect(storeCipherOf(file, key)).toBe('aegis-256');
      expect(fs.statSync(file).mtimeMs).toBe(mtime);
      // Not chosen (the default holds) and within the limit: re-encrypted through the checked copy, every row kept.
      expect(prepareStoreFile(file, key, ok, 'aegis-256x4', { keepAegis256Over: storeBytes(file) })).toBeNull();
      expect(storeCipherOf(file, key)).toBe('aegis-256x4');
      expect(metaRows(file, key)).toBe(rows);
      expect(fs.readFileSync(file).includes('secret value')).toBe(false);
      expect(fs.readdirSync(t.dir).filter((f) => f.includes('reencrypting') || f.includes('backup'))).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it('a store in SQLCipher 4 opened directly (no start-up step) works, its checkpoint worker keyed the same way', () => {
    const t = tempDir('outpost-key-');
    try {
      const file = path.join(t.dir, 'outpost.db');
      const key = crypto.randomBytes(32);
      legacyStoreWith(file, 10, key);
      const s = openStore(file, { key });
      expect(connectionCipher(s.sqlite)).toBe('sqlcipher-4');
      for (let i = 0; i < 200; i++) s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`more${i}`, 'x'.repeat(2000));
      s.close();
      expect(storeCipherOf(file, key)).toBe('sqlcipher-4');
      expect(metaRows(file, key)).toBe(10);
    } finally {
      t.cleanup();
    }
  });

  it('a re-encryption interrupted before the swap starts again from the original; after the swap, the original is removed', () => {
    const t = tempDir('outpost-key-');
    try {
      const key = crypto.randomBytes(32);
      // Killed while the copy was being re-keyed: a half-written copy beside the original.
      const a = path.join(t.dir, 'a.db');
      legacyStoreWith(a, 20, key);
      fs.writeFileSync(`${a}.reencrypting`, Buffer.alloc(4096, 7));
      prepareStoreFile(a, key, ok);
      expect(storeCipherOf(a, key)).toBe('aegis-256x4');
      expect(metaRows(a, key)).toBe(20);
      expect(fs.existsSync(`${a}.reencrypting`)).toBe(false);

      // Killed mid-swap: the original renamed away, the copy not yet in place.
      const b = path.join(t.dir, 'b.db');
      legacyStoreWith(b, 7, key);
      fs.renameSync(b, `${b}.sqlcipher-backup`);
      fs.writeFileSync(`${b}.reencrypting`, Buffer.alloc(4096, 7));
      prepareStoreFile(b, key, ok);
      expect(fs.existsSync(`${b}.sqlcipher-backup`)).toBe(false);
      expect(storeCipherOf(b, key)).toBe('aegis-256x4');
      expect(metaRows(b, key)).toBe(7);

      // Killed after the swap, before the original was removed: the re-encrypted store stays.
      const c = path.join(t.dir, 'c.db');
      legacyStoreWith(c, 9, key);
      prepareStoreFile(c, key, ok);
      legacyStoreWith(path.join(t.dir, 'old.db'), 3, key);
      fs.renameSync(path.join(t.dir, 'old.db'), `${c}.sqlcipher-backup`);
      prepareStoreFile(c, key, ok);
      expect(fs.existsSync(`${c}.sqlcipher-backup`)).toBe(false);
      expect(metaRows(c, key)).toBe(9);

      // Killed after the swap and started without the key: the original goes back (the key cannot tell), then is re-encrypted when the key is given.
      const d = path.join(t.dir, 'd.db');
      legacyStoreWith(d, 4, key);
      fs.copyFileSync(d, `${d}.sqlcipher-backup`);
      prepareStoreFile(d, null, ok);
      expect(fs.existsSync(`${d}.sqlcipher-backup`)).toBe(false);
      expect(storeCipherOf(d, key)).toBe('sqlcipher-4');
      prepareStoreFile(d, key, ok);
      expect(storeCipherOf(d, key)).toBe('aegis-256x4');
      expect(metaRows(d, key)).toBe(4);
    } finally {
      t.cleanup();
    }
  });
});
