/**
 * Backups of an encrypted store: encrypted with the same key, checked, kept to the newest few, and
 * restored with `npm run restore -- FILE --passphrase-file F` on another machine's data folder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { startRuntime } from '../runtime';
import { listBackups } from '../db/backup';
import { isPlainStore, passphraseKey } from '../db/store-key';
import { tempDir } from '../testing';
import { initialize } from '../services/setup/setup';
import { restore } from './restore';
import { createLogger } from '../log';

const log = createLogger({ level: 'silent' });

let offsetMs = 0;
const clock = { now: () => new Date(Date.UTC(2026, 11, 6, 9, 0, 0) + offsetMs) };
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  delete process.env.OUTPOST_BACKUP_KEEP;
});

describe('backups of an encrypted store', () => {
  it('are encrypted and checked, the newest kept, and restore on another machine with the passphrase', () => {
    const t = tempDir('outpost-backup-');
    cleanups.push(t.cleanup);
    const here = path.join(t.dir, 'laptop');
    const there = path.join(t.dir, 'new-laptop');
    const pass = path.join(t.dir, 'pass');
    fs.writeFileSync(pass, 'depot passphrase 2026\n');
    process.env.OUTPOST_BACKUP_KEEP = '2';

    const rt = startRuntime({ dataDir: here, clock, log, key: passphraseKey(here, 'depot passphrase 2026') });
    initialize({ store: rt.store, clock, actor: null, call: 'setup.init' }, { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'Quarry north-gate' } });
    const made = [0, 1, 2].map((i) => {
      offsetMs = i * 3_600_000;
      return rt.backup();
    });
    rt.close();
    const kept = listBackups(path.join(here, 'backups'));
    expect(kept.map((b) => b.file)).toEqual([made[2]!.file, made[1]!.file]);
    for (const b of kept) {
      expect(isPlainStore(b.file)).toBe(false);
      expect(fs.readFileSync(b.file).includes(Buffer.from('Quarry north-gate'))).toBe(false);
    }

    expect(restore([made[2]!.file, '--data-dir', there, '--passphrase-file', pass])).toContain('same passphrase');
    const moved = startRuntime({ dataDir: there, clock, log, key: passphraseKey(there, 'depot passphrase 2026') });
    cleanups.unshift(() => moved.close());
    expect(moved.store.sqlite.prepare('SELECT name FROM sites').pluck().all()).toEqual(['Quarry north-gate']);

    const wrong = path.join(t.dir, 'wrong');
    fs.writeFileSync(wrong, 'another passphrase\n');
    expect(() => restore([made[1]!.file, '--data-dir', path.join(t.dir, 'third'), '--passphrase-file', wrong])).toThrow(/passphrase does not open/);
  });
});
