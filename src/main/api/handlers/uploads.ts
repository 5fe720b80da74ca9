/** Handlers for uploads sent ahead of an import. */
import type { uploadsCalls } from '../../../shared/api/uploads';
import { discardUpload } from '../../services/uploads/uploads';
import type { HandlersFor } from './types';

export const uploadsHandlers: HandlersFor<typeof uploadsCalls> = {
  'uploads.discard': (ctx, input) => ({ discarded: discardUpload(ctx, input.uploadId) }),
};
