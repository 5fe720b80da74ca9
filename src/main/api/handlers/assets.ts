/** Handlers for assets, locations, import/export and inventory tokens. */
import type { assetsCalls } from '../../../shared/api/assets';
import { readUploadHead, releaseUpload, uploadFile } from '../../services/uploads/uploads';
import type { HandlersFor } from './types';
import {
  bulkAssets,
  checkinAsset,
  checkoutAsset,
  createAsset,
  getAssetDetail,
  linkTicket,
  relateAssets,
  transitionAsset,
  unrelateAssets,
  updateAsset,
} from '../../services/assets/assets';
import { exportAssets, listAssets, searchAssets } from '../../services/assets/list';
import { createLocation, listLocations, updateLocation } from '../../services/assets/locations';
import { INSPECT_HEAD_BYTES, inspectCsv } from '../../services/assets/import/index';
import { cancelImport, importStatus, prewarmImportWorker, runImport } from '../../services/assets/import/run';
import { teamStatusLabels } from '../../services/assets/import/status-labels';
import { listAgentTokens, rotateAgentToken } from '../../services/inventory/tokens';
import { listFieldDefs, saveFieldDefs } from '../../services/assets/fields';

export const assetsHandlers: HandlersFor<typeof assetsCalls> = {
  'assets.list': (ctx, input) => listAssets(ctx, input),
  'assets.get': (ctx, input) => getAssetDetail(ctx, input),
  'assets.search': (ctx, input) => ({ items: searchAssets(ctx, input.text, input.limit) }),
  'assets.create': (ctx, input) => createAsset(ctx, input),
  'assets.update': (ctx, input) => updateAsset(ctx, input.id, input.fields),
  'assets.transition': (ctx, input) => transitionAsset(ctx, input.id, input.to, input.reason),
  'assets.checkout': (ctx, input) => {
    const { id, ...rest } = input;
    return checkoutAsset(ctx, id, rest);
  },
  'assets.checkin': (ctx, input) => {
    const { id, ...rest } = input;
    return checkinAsset(ctx, id, rest);
  },
  'assets.bulk': (ctx, input) => bulkAssets(ctx, input.targets, input.action),
  'assets.relate': (ctx, input) => relateAssets(ctx, input.id, input.otherId, input.kind),
  'assets.unrelate': (ctx, input) => {
    unrelateAssets(ctx, input.relationId);
    return { done: true };
  },
  'assets.linkTicket': (ctx, input) => {
    linkTicket(ctx, input.id, input.ticketId);
    return { done: true };
  },
  'assets.export': (ctx, input) => exportAssets(ctx, input),
  'assets.inspectCsv': (ctx, input) => {
    // The wizard's first step: start the import's worker while the person maps and previews.
    prewarmImportWorker(ctx);
    const { uploadId, ...rest } = input;
    if (!uploadId) return inspectCsv(ctx, rest);
    // A large file: only its head is read here (the preview, in the worker, reads it all).
    const file = uploadFile(ctx, uploadId);
    return readUploadHead(file, INSPECT_HEAD_BYTES).then(({ bytes, whole }) => inspectCsv(ctx, { ...rest, head: { bytes, size: file.size, whole } }));
  },
  'assets.import': (ctx, input, req) => {
    const { uploadId, ...rest } = input;
    const file = uploadId ? uploadFile(ctx, uploadId) : null;
    const run = runImport(ctx, file ? { ...rest, filePath: file.path, fileKey: file.key } : rest, { onStatus: (job) => req.emit?.({ type: 'import.progress', job }) });
    if (!uploadId || input.dryRun) return run;
    // An upload that has been imported is removed.
    return Promise.resolve(run).then((result) => {
      if (!result.errors.length) releaseUpload(uploadId);
      return result;
    });
  },
  'assets.statusLabels': (ctx) => ({ items: teamStatusLabels(ctx.store.sqlite) }),
  'assets.importStatus': (ctx) => ({ job: importStatus(ctx.store.sqlite) }),
  'assets.importCancel': (ctx, input) => ({ job: cancelImport(ctx, input.id) }),
  'locations.list': (ctx, input) => ({ items: listLocations(ctx, input.siteId) }),
  'locations.create': (ctx, input) => createLocation(ctx, input),
  'locations.update': (ctx, input) => updateLocation(ctx, input.id, input.fields),
  'assets.fieldDefs': (ctx) => ({ items: listFieldDefs(ctx) }),
  'assets.saveFieldDefs': (ctx, input) => saveFieldDefs(ctx, input),
  'inventory.tokens': (ctx) => ({ items: listAgentTokens(ctx) }),
  'inventory.rotateToken': (ctx, input) => rotateAgentToken(ctx, input.siteId),
};
