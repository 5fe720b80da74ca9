/**
 * A store kept in SQLCipher 3's scheme (4096-byte pages) read by real SQLCipher software: Debian's
 * `sqlcipher` command-line tool (SQLCipher 3.4 on SQLite 3.15), with the key and the pragmas
 * docs/encryption.md gives. Every ordinary table holds the rows Outpost counts, the audit trail's head
 * is the same, and a wrong key is refused. The same tool cannot read a store in SQLCipher 4's scheme
 * (HMAC-SHA512 came with SQLCipher 4) nor in AEGIS-256: that is why both SQLCipher schemes are offered.
 * The tool must be installed (apt-get install sqlcipher); without it these tests fail saying so.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { tempDir } from '../testing';
import { seedStore } from '../testing/crash';
import fs from 'node:fs';
import { openConnection, passphraseKey, SEALED_KEY_FILE, storeCipherOf, tableCounts, type StoreCipher } from '../db/store-key';
import { storeKeyReport } from './store-key-cli';

const CLI = process.env.OUTPOST_SQLCIPHER_CLI ?? 'sqlcipher';
const MARKER = 'osprey-lantern';

/** Runs SQL through the SQLCipher CLI on `file`: its output lines and errors. */
function sqlcipher(file: string, sql: string[]): { lines: string[]; errors: string } {
  const r = spawnSync(CLI, ['-batch', file], { input: sql.join('\n') + '\n', encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { lines: r.stdout.split('\n').filter(Boolean), errors: r.stderr };
}

/**
 * What docs/encryption.md tells a team to type: the raw key (no key derivation), the page size, and
 * writable_schema, which lets SQLite 3.15 skip the few index definitions it is too old to parse
 * (reading only: never write to the store from an older SQLCipher, those indexes would not follow).
 */
const opening = (key: Buffer) => [`PRAGMA key = "x'${key.toString('hex')}'";`, 'PRAGMA cipher_page_size = 4096;', 'PRAGMA writable_schema = ON;'];

/** The tool's SQLCipher version; each test calls it first, so a machine without the tool fails every test saying what to install. */
function requireCli(): string {
  const r = spawnSync(CLI, ['-batch', ':memory:'], { input: 'PRAGMA cipher_version;\n', encoding: 'utf8' });
  if (r.error || r.status !== 0 || !r.stdout.trim()) {
    throw new Error(
      `These tests need SQLCipher's command-line tool (${CLI}): install it with "apt-get install sqlcipher" (Debian/Ubuntu) or point OUTPOST_SQLCIPHER_CLI at one. ${r.error?.message ?? r.stderr}`,
    );
  }
  return r.stdout.trim();
}

function seeded(cipher: StoreCipher): { dir: ReturnType<typeof tempDir>; file: string; key: Buffer } {
  const dir = tempDir('outpost-sqlcipher-cli-');
  const key = crypto.randomBytes(32);
  seedStore(dir.dir, { tickets: 40, key, cipher, marker: MARKER });
  const file = path.join(dir.dir, 'outpost.db');
  expect(storeCipherOf(file, key)).toBe(cipher);
  return { dir, file, key };
}

describe('a store in SQLCipher 3’s scheme, read by SQLCipher itself', () => {
  it('every ordinary table holds the rows Outpost holds, tickets read in plain, and the audit trail ends on the same hash', () => {
    expect(requireCli()).toMatch(/^3\.\d+\.\d+/);
    const { dir, file, key } = seeded('sqlcipher-3');
    try {
      const store = openConnection(file, key);
      let counts: Record<string, number>;
      let head: string;
      let virtual: string[];
      try {
        virtual = store.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'").pluck().all() as string[];
        counts = Object.fromEntries(Object.entries(tableCounts(store)).filter(([t]) => !virtual.includes(t)));
        head = store.prepare('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1').pluck().get() as string;
      } finally {
        store.close();
      }
      expect(counts.tickets).toBe(40);
      expect(Object.keys(counts).length).toBeGreaterThan(60);
      const tables = Object.keys(counts);
      const out = sqlcipher(file, [
        ...opening(key),
        ...tables.map((t) => `SELECT '${t}', count(*) FROM "${t}";`),
        `SELECT 'head', hash FROM audit_events ORDER BY seq DESC LIMIT 1;`,
        `SELECT 'title', title FROM tickets WHERE title LIKE '${MARKER} 7 %';`,
      ]);
      expect(out.errors).toBe('');
      const read = Object.fromEntries(out.lines.map((l) => l.split('|') as [string, string]));
      for (const t of tables) expect([t, Number(read[t])]).toEqual([t, counts[t]]);
      expect(read.head).toBe(head);
      expect(read.title).toMatch(new RegExp(`^${MARKER} 7 `));
    } finally {
      dir.cleanup();
    }
  }, 120_000);

  it('refuses a wrong key, and cannot read a store in SQLCipher 4’s scheme or in AEGIS-256 (one lane or four)', () => {
    requireCli();
    const three = seeded('sqlcipher-3');
    const four = seeded('sqlcipher-4');
    const aegis = seeded('aegis-256');
    const aegisX4 = seeded('aegis-256x4');
    try {
      const wrong = sqlcipher(three.file, [...opening(crypto.randomBytes(32)), 'SELECT count(*) FROM tickets;']);
      expect(wrong.lines).toEqual([]);
      expect(wrong.errors).toContain('file is encrypted or is not a database');
      for (const s of [four, aegis, aegisX4]) {
        const r = sqlcipher(s.file, [...opening(s.key), 'SELECT count(*) FROM tickets;']);
        expect(r.lines).toEqual([]);
        expect(r.errors).toContain('file is encrypted or is not a database');
      }
    } finally {
      for (const s of [three, four, aegis, aegisX4]) s.dir.cleanup();
    }
  }, 120_000);

  it('npm run store-key prints, for a passphrase store, the pragmas and key that open it in SQLCipher itself; a wrong passphrase or a desktop store is refused in words', () => {
    requireCli();
    const dir = tempDir('outpost-sqlcipher-key-');
    try {
      const pass = path.join(dir.dir, 'passphrase.txt');
      fs.writeFileSync(pass, 'estuary beacon passphrase\n');
      const data = path.join(dir.dir, 'data');
      seedStore(data, { tickets: 5, key: passphraseKey(data, 'estuary beacon passphrase'), cipher: 'sqlcipher-3', marker: MARKER });
      const report = storeKeyReport(['--data-dir', data, '--passphrase-file', pass]);
      expect(report).toContain('encrypted with sqlcipher-3');
      const out = sqlcipher(path.join(data, 'outpost.db'), [...report.split('\n'), 'PRAGMA writable_schema = ON;', 'SELECT count(*) FROM tickets;']);
      expect(out.errors).toBe('');
      expect(out.lines).toEqual(['5']);

      fs.writeFileSync(pass, 'not the passphrase at all\n');
      expect(() => storeKeyReport(['--data-dir', data, '--passphrase-file', pass])).toThrow('The passphrase does not open this store');
      const desktop = path.join(dir.dir, 'desktop');
      fs.mkdirSync(desktop);
      fs.copyFileSync(path.join(data, 'outpost.db'), path.join(desktop, 'outpost.db'));
      fs.writeFileSync(path.join(desktop, SEALED_KEY_FILE), 'sealed');
      expect(() => storeKeyReport(['--data-dir', desktop, '--passphrase-file', pass])).toThrow("its key is sealed by this computer's keychain and is not printed");
    } finally {
      dir.cleanup();
    }
  }, 120_000);
});
