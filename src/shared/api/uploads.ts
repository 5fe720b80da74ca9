/**
 * Files sent ahead of an import (streamed to the browser host, or picked on the desktop): letting one
 * go when the person chooses another file or starts again, so what they no longer need does not
 * count against the uploads one person may keep waiting.
 */
import { z } from 'zod';
import { call, STAFF } from './contract';
import { uploadId } from './common';

export const uploadsCalls = {
  /** Forgets the person's own upload and removes its copy (a file picked on the desktop is left where it is). */
  'uploads.discard': call<{ discarded: boolean }>()(z.object({ uploadId }).strict(), STAFF),
};
