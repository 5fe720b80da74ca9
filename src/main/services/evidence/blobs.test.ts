/** Evidence blobs beside an encrypted store are encrypted on disk; the bytes read back are the file's. */
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../testing';
import { openBlobStore, sha256Hex } from './blobs';

describe('the evidence blob store', () => {
  const photo = Buffer.from('JPEG of the server room door, rack 4 serial CZ-88213 '.repeat(50));

  it('with the store key, writes sealed files, reads the original bytes, and calls a changed file corrupt', () => {
    const t = tempDir('outpost-blobs-');
    try {
      const key = crypto.randomBytes(32);
      const blobs = openBlobStore(t.dir, key);
      const { sha256 } = blobs.write(photo);
      expect(sha256).toBe(sha256Hex(photo));
      const file = path.join(t.dir, sha256.slice(0, 2), sha256);
      const onDisk = fs.readFileSync(file);
      expect(onDisk.subarray(0, 4).toString('latin1')).toBe('OPB1');
      expect(onDisk.includes(Buffer.from('CZ-88213'))).toBe(false);
      expect(blobs.read(sha256)).toEqual(photo);
      expect(blobs.verify(sha256)).toBe('ok');
      // Another key (a copied folder) reads nothing useful.
      expect(openBlobStore(t.dir, crypto.randomBytes(32)).verify(sha256)).toBe('corrupt');
      onDisk[40] = onDisk[40]! ^ 0xff;
      fs.writeFileSync(file, onDisk);
      expect(blobs.verify(sha256)).toBe('corrupt');
      expect(blobs.read(sha256)?.includes(Buffer.from('CZ-88213'))).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it('a blob written before the store was encrypted is still read; a plain store writes plain files', () => {
    const t = tempDir('outpost-blobs-');
    try {
      const { sha256 } = openBlobStore(t.dir).write(photo);
      expect(fs.readFileSync(path.join(t.dir, sha256.slice(0, 2), sha256))).toEqual(photo);
      expect(openBlobStore(t.dir, crypto.randomBytes(32)).read(sha256)).toEqual(photo);
    } finally {
      t.cleanup();
    }
  });
});
