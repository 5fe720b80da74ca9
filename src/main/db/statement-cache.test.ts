/**
 * The store connection's statement cache, on a real file: each SQL text is compiled once however
 * often it is prepared, every caller still gets the rows in the mode it asked for (pluck, raw,
 * expand, safe integers, bound parameters) whatever another caller of the same SQL asked for
 * meanwhile, a statement being iterated is never disturbed by a second caller of the same SQL, the
 * cache keeps at most its bound of texts, and the store opens with it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { tempDir } from '../testing';
import { openStore } from './open';
import { cacheStatements, statementCacheOf } from './statement-cache';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function connection(max?: number) {
  const t = tempDir('outpost-stmt-');
  const sqlite = new Database(path.join(t.dir, 'x.db'));
  cleanups.push(() => {
    sqlite.close();
    t.cleanup();
  });
  sqlite.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, big INTEGER); INSERT INTO t VALUES (1, 'one', 9007199254740993), (2, 'two', 2), (3, 'three', 3)");
  const cache = cacheStatements(sqlite as unknown as import('better-sqlite3').Database, max);
  return { sqlite: sqlite as unknown as import('better-sqlite3').Database, cache };
}

describe('statement cache', () => {
  it('compiles each SQL text once however often it is prepared', () => {
    const { sqlite, cache } = connection();
    for (let i = 0; i < 50; i++) expect(sqlite.prepare('SELECT name FROM t WHERE id = ?').pluck().get(2)).toBe('two');
    expect(cache.counts()).toEqual({ prepared: 1, reused: 49, cached: 1 });
  });

  it('gives every caller its own modes, whatever another caller of the same SQL set', () => {
    const { sqlite } = connection();
    const sql = 'SELECT id, name FROM t WHERE id <= ? ORDER BY id';
    const plucked = sqlite.prepare(sql).pluck();
    const raw = sqlite.prepare(sql).raw();
    const plain = sqlite.prepare(sql);
    const expanded = sqlite.prepare(sql).expand();
    expect(plucked.all(2)).toEqual([1, 2]);
    expect(plain.get(1)).toEqual({ id: 1, name: 'one' });
    expect(raw.all(2)).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(plucked.get(1)).toBe(1);
    expect(expanded.get(1)).toEqual({ t: { id: 1, name: 'one' } });
    expect(plain.all(1)).toEqual([{ id: 1, name: 'one' }]);
    // A mode turned off again.
    expect(sqlite.prepare(sql).pluck().pluck(false).get(1)).toEqual({ id: 1, name: 'one' });
  });

  it('keeps safe integers to the caller that asked for them', () => {
    const { sqlite } = connection();
    const sql = 'SELECT big FROM t WHERE id = 1';
    expect(sqlite.prepare(sql).pluck().safeIntegers().get()).toBe(9007199254740993n);
    expect(typeof sqlite.prepare(sql).pluck().get()).toBe('number');
  });

  it('runs a second caller of a statement being iterated on a statement of its own, leaving the iteration as it was', () => {
    const { sqlite, cache } = connection();
    const sql = 'SELECT id, name FROM t ORDER BY id';
    const seen: [number, string, number][] = [];
    for (const row of sqlite.prepare(sql).iterate() as IterableIterator<{ id: number; name: string }>) {
      seen.push([row.id, row.name, (sqlite.prepare(sql).pluck().all() as number[]).length]);
    }
    expect(seen).toEqual([
      [1, 'one', 3],
      [2, 'two', 3],
      [3, 'three', 3],
    ]);
    expect(cache.counts().cached).toBe(1);
    // Once the iteration is over, the shared statement serves again.
    expect(sqlite.prepare(sql).pluck().all()).toEqual([1, 2, 3]);
  });

  it('keeps parameters bound by one caller away from the others', () => {
    const { sqlite } = connection();
    const sql = 'SELECT name FROM t WHERE id = ?';
    const bound = sqlite.prepare(sql).pluck().bind(3);
    expect(sqlite.prepare(sql).pluck().get(1)).toBe('one');
    expect(bound.get()).toBe('three');
    expect(sqlite.prepare(sql).pluck().get(2)).toBe('two');
  });

  it('writes through cached statements and says what they changed', () => {
    const { sqlite } = connection();
    const ins = () => sqlite.prepare('INSERT INTO t (name) VALUES (?)');
    expect(ins().run('four').changes).toBe(1);
    expect(Number(ins().run('five').lastInsertRowid)).toBe(5);
    expect(sqlite.prepare('SELECT count(*) FROM t').pluck().get()).toBe(5);
  });

  it('refuses what a statement refuses, in the same words', () => {
    const { sqlite } = connection();
    expect(() => sqlite.prepare('DELETE FROM t WHERE id = 9').pluck()).toThrow('The pluck() method is only for statements that return data');
    expect(() => sqlite.prepare('SELEC nothing')).toThrow(/syntax error/);
    expect(sqlite.prepare('SELECT 1').reader).toBe(true);
    expect(sqlite.prepare('DELETE FROM t WHERE id = 9').reader).toBe(false);
  });

  it('keeps at most its bound of SQL texts, the least recently used dropped first', () => {
    const { sqlite, cache } = connection(2);
    const q = (n: number) => sqlite.prepare(`SELECT ${n} AS n`).pluck().get();
    q(1);
    q(2);
    q(1);
    q(3); // drops 2, the least recently used
    expect(cache.counts()).toEqual({ prepared: 3, reused: 1, cached: 2 });
    q(1);
    expect(cache.counts().prepared).toBe(3);
    q(2);
    expect(cache.counts().prepared).toBe(4);
  });

  it('is on every opened store', () => {
    const t = tempDir('outpost-stmt-store-');
    const store = openStore(path.join(t.dir, 'outpost.db'));
    cleanups.push(() => {
      store.close();
      t.cleanup();
    });
    const cache = statementCacheOf(store.sqlite)!;
    expect(cache).not.toBeNull();
    const before = cache.counts().prepared;
    for (let i = 0; i < 5; i++) store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get();
    expect(cache.counts().prepared).toBe(before + 1);
  });
});
