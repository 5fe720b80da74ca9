/** Handlers for this device's store as a whole: its state, protecting it with a passphrase, backups and restore. */
import path from 'node:path';
import { storeControlFor, type StoreControl } from '../../db/store-control';
import { isInitialized } from '../../services/setup/setup';
import { confirmOwnPassword, isLocked } from '../../services/auth/lock';
import { connectionCipher } from '../../db/store-key';
import { AppError } from '../../../shared/result';
import type { Ctx } from '../../services/core/context';
import type { BackupInfo } from '../../db/backup';
import type { BackupSummary } from '../../../shared/api/store';
import type { HandlersFor } from './types';
import type { storeCalls } from '../../../shared/api/store';
import { DOWNLOAD_PATH, offerDownload } from '../../services/transfer/downloads';
import { exportFileName } from '../../services/transfer/move';

function control(ctx: Ctx): StoreControl {
  const c = storeControlFor(ctx.store);
  if (!c) throw new AppError('conflict', 'This console cannot change its store as a whole.');
  return c;
}

function summary(b: BackupInfo): BackupSummary {
  return { name: path.basename(b.file), at: b.at, bytes: b.bytes, checked: 'when written' };
}

export const storeHandlers: HandlersFor<typeof storeCalls> = {
  // An open store answers here; a locked browser host answers store.state and store.unlock itself.
  'store.state': (ctx) => ({ state: 'open', encrypted: !!ctx.store.key, cipher: ctx.store.key ? connectionCipher(ctx.store.sqlite) : null, canProtect: !ctx.store.key && (storeControlFor(ctx.store)?.canProtect ?? false) }),
  'store.unlock': () => {
    throw new AppError('conflict', 'The store is already open.');
  },
  'store.protect': (ctx, input, req) => {
    // At first run (nobody set up yet) whoever runs the wizard chooses; afterwards only an administrator.
    if (isInitialized(ctx)) {
      if (!ctx.actor) throw new AppError('unauthenticated', 'Sign in as an administrator to encrypt this store.');
      if (ctx.actor.role !== 'admin') throw new AppError('forbidden', `Your role (${ctx.actor.role}) cannot encrypt this store.`);
      if (req.token && isLocked(ctx, req.token)) throw new AppError('locked', 'Outpost is locked. Enter your password to unlock it.');
    }
    if (ctx.store.key) throw new AppError('conflict', 'This store is already encrypted.');
    const c = control(ctx);
    if (!c.canProtect) throw new AppError('conflict', 'This console keeps its store key in the system keychain; a passphrase cannot be set here.');
    c.protect(input.passphrase);
    return { encrypted: true };
  },
  'store.setCipher': (ctx, input) => {
    if (!ctx.actor) throw new AppError('unauthenticated', 'Sign in as an administrator to change the store’s cipher.');
    if (!ctx.store.key) throw new AppError('conflict', 'This store is not encrypted: encrypt it first, then choose its cipher.');
    const now = connectionCipher(ctx.store.sqlite);
    if (now === input.cipher) throw new AppError('conflict', `The store is already encrypted with ${input.cipher}.`);
    confirmOwnPassword(ctx, ctx.actor.id, input.password, 'store.setCipher');
    const was = control(ctx).setCipher(input.cipher, ctx.actor.id);
    return { cipher: input.cipher, was };
  },
  'store.backups': (ctx) => control(ctx).backups().map(summary),
  'store.backup': (ctx) => summary(control(ctx).backup()),
  'store.export': async (ctx, input, req) => {
    const c = control(ctx);
    const now = ctx.clock.now();
    const name = exportFileName(now);
    if (c.saveExportAs) {
      const out = await c.saveExportAs(name);
      if (!out) return { cancelled: true, file: null, bytes: 0, blobs: 0, download: null };
      const r = c.exportTo(input.passphrase, out);
      return { cancelled: false, file: r.file, bytes: r.bytes, blobs: r.blobs, download: null };
    }
    // The browser host: a download for this session only, never a path on the host's disk.
    if (!ctx.actor || !req.token) throw new AppError('unauthenticated', 'Sign in as an administrator to export everything.');
    const r = c.exportTo(input.passphrase, null);
    const offer = offerDownload(ctx.store, { file: r.file, name, actorId: ctx.actor.id, token: req.token, now: now.getTime() });
    return { cancelled: false, file: null, bytes: r.bytes, blobs: r.blobs, download: { url: `${DOWNLOAD_PATH}${offer.id}`, name, expiresAt: offer.expiresAt } };
  },
  'store.import': (ctx, input) => {
    if (isInitialized(ctx)) throw new AppError('already_setup', 'This device is already set up: import everything only at first run, on a new machine.');
    const r = control(ctx).importFrom(input.path, input.passphrase);
    return { exportedAt: r.exportedAt, rows: Object.values(r.counts).reduce((a, b) => a + b, 0), blobs: r.blobs };
  },
  'store.restore': (ctx, input) => {
    const c = control(ctx);
    if (!c.backups().some((b) => path.basename(b.file) === input.name)) throw new AppError('not_found', `There is no backup named ${input.name}.`);
    c.restore(input.name);
    return { restored: input.name };
  },
};
