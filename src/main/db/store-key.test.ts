/** The store's key and the encryption of a plain store, on real files (interruptions included). */
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { tempDir } from '../testing';
import { openStore } from './open';
import { isPlainStore, openConnection, passphraseKey, prepareStoreFile, StoreKeyError, KEY_INFO_FILE } from './store-key';

const ok = () => null;

function plainStoreWith(file: string, rows: number): void {
  const s = openStore(file);
  for (let i = 0; i < rows; i++) s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`k${i}`, `secret value ${i}`);
  s.close();
}

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
});
