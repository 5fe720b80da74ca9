/** Handlers for evidence files and evidence packs. */
import type { evidenceCalls } from '../../../shared/api/evidence';
import type { HandlersFor } from './types';
import { attachEvidence, evidenceFile, listEvidence, removeEvidence } from '../../services/evidence/evidence';
import { exportPack } from '../../services/evidence/pack';
import { verifyPackBytes } from '../../services/evidence/pack-verify';

export const evidenceHandlers: HandlersFor<typeof evidenceCalls> = {
  'evidence.attach': (ctx, input) => attachEvidence(ctx, input),
  'evidence.list': (ctx, input) => listEvidence(ctx, input),
  'evidence.file': (ctx, input) => evidenceFile(ctx, input.id),
  'evidence.remove': (ctx, input) => removeEvidence(ctx, input.id),
  'evidence.exportPack': (ctx, input) => exportPack(ctx, input),
  'evidence.verifyPack': (_ctx, input) => verifyPackBytes(Buffer.from(input.content, 'base64')),
};
