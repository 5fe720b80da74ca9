/**
 * Putting an imported store in place, step by step on real files: what the next start does with each
 * state a kill can leave (the ready mark, evidence files half moved, the replaced store half moved
 * aside), and that it never throws away a store it should keep. The crash tests
 * (src/main/host/crash-move.int.test.ts) kill a real host at these steps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../testing';
import { IMPORT_STAGING, MOVE_MAGIC, putImported, settleExports, settleImport } from './move';

let t: ReturnType<typeof tempDir>;
let store: string;
let staging: string;
let blobs: string;
const SHA = (c: string) => c.repeat(64);

beforeEach(() => {
  t = tempDir('outpost-move-');
  store = path.join(t.dir, 'outpost.db');
  staging = path.join(t.dir, IMPORT_STAGING);
  blobs = path.join(t.dir, 'blobs');
  fs.writeFileSync(store, 'the empty store');
  fs.writeFileSync(`${store}-wal`, 'its log');
  fs.mkdirSync(path.join(staging, 'blobs', 'aa'), { recursive: true });
  fs.mkdirSync(path.join(staging, 'blobs', 'bb'), { recursive: true });
  fs.writeFileSync(path.join(staging, 'outpost.db'), 'the imported store');
  fs.writeFileSync(path.join(staging, 'blobs', 'aa', SHA('a')), 'evidence a');
  fs.writeFileSync(path.join(staging, 'blobs', 'bb', SHA('b')), 'evidence b');
});
afterEach(() => t.cleanup());

const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null);

describe('putting an import in place', () => {
  it('puts the store and every evidence file in place, removes the store it replaces and the staging folder', () => {
    putImported(staging, store, blobs);
    expect(read(store)).toBe('the imported store');
    expect(read(`${store}-wal`)).toBeNull();
    expect(read(path.join(blobs, 'aa', SHA('a')))).toBe('evidence a');
    expect(read(path.join(blobs, 'bb', SHA('b')))).toBe('evidence b');
    expect(fs.existsSync(staging)).toBe(false);
    expect(settleImport(staging, store, blobs)).toBeNull();
  });

  it('an import cut short before it was marked ready is dropped at the next start: the store stays as it was', () => {
    expect(settleImport(staging, store, blobs)).toBe('dropped');
    expect(read(store)).toBe('the empty store');
    expect(read(`${store}-wal`)).toBe('its log');
    expect(fs.existsSync(blobs)).toBe(false);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it('marked ready, one evidence file moved and the old store half removed: the next start finishes it', () => {
    fs.writeFileSync(path.join(staging, 'ready.json'), JSON.stringify({ keepReplaced: false }));
    fs.mkdirSync(path.join(blobs, 'aa'), { recursive: true });
    fs.renameSync(path.join(staging, 'blobs', 'aa', SHA('a')), path.join(blobs, 'aa', SHA('a')));
    fs.rmSync(store);
    expect(settleImport(staging, store, blobs)).toBe('finished');
    expect(read(store)).toBe('the imported store');
    expect(read(`${store}-wal`)).toBeNull();
    expect(read(path.join(blobs, 'aa', SHA('a')))).toBe('evidence a');
    expect(read(path.join(blobs, 'bb', SHA('b')))).toBe('evidence b');
    expect(fs.existsSync(staging)).toBe(false);
  });

  it('keeping the replaced store: killed with its file moved aside and its log not, the next start keeps both aside together', () => {
    fs.writeFileSync(path.join(staging, 'ready.json'), JSON.stringify({ keepReplaced: true }));
    fs.renameSync(store, `${store}.before-restore`);
    expect(settleImport(staging, store, blobs)).toBe('finished');
    expect(read(`${store}.before-restore`)).toBe('the empty store');
    expect(read(`${store}.before-restore-wal`)).toBe('its log');
    expect(read(store)).toBe('the imported store');
    expect(read(`${store}-wal`)).toBeNull();
  });

  it('killed after the imported store took its place: the next start keeps it (never moves it aside) and clears the staging folder', () => {
    putImported(staging, store, blobs, { keepReplaced: true });
    fs.mkdirSync(staging);
    fs.writeFileSync(path.join(staging, 'ready.json'), JSON.stringify({ keepReplaced: true }));
    expect(settleImport(staging, store, blobs)).toBe('finished');
    expect(read(store)).toBe('the imported store');
    expect(read(`${store}.before-restore`)).toBe('the empty store');
    expect(fs.existsSync(staging)).toBe(false);
  });
});

describe('settling exports at start', () => {
  it('removes a partial export written outside the exports folder (the save dialog\'s choice) that a note names, and nothing else', () => {
    const exportsDir = path.join(t.dir, 'exports');
    const elsewhere = path.join(t.dir, 'Documents');
    fs.mkdirSync(exportsDir);
    fs.mkdirSync(elsewhere);
    const partial = path.join(elsewhere, 'outpost-export-20261206T101500Z.outpost.partial');
    fs.writeFileSync(partial, Buffer.concat([MOVE_MAGIC, Buffer.from('cut short')]));
    fs.writeFileSync(path.join(exportsDir, '.writing-1'), partial);
    // A note naming something that is not a partial export never removes it.
    const letter = path.join(elsewhere, 'letter.txt.partial');
    fs.writeFileSync(letter, 'a letter');
    fs.writeFileSync(path.join(exportsDir, '.writing-2'), letter);
    expect(settleExports(store, exportsDir).sort()).toEqual([path.basename(partial)]);
    expect(fs.existsSync(partial)).toBe(false);
    expect(read(letter)).toBe('a letter');
    expect(fs.readdirSync(exportsDir)).toEqual([]);
  });
});
