/**
 * The desktop's file pick for large imports (a 200 MB ServiceNow export, an asset file): the main
 * process shows the system's open dialog and keeps the one file it returns as an upload of the
 * signed-in person, read in place and streamed by the import that names it (tickets.import or
 * assets.import with its uploadId), exactly as a file streamed to the browser host's upload route.
 * The bytes never cross IPC, and the renderer never names a path: it asks for a kind of file, and
 * only a path the dialog has just returned is ever registered. Electron is passed in (the dialog),
 * so this is unit-tested under plain Node.
 */
import path from 'node:path';
import { PICK_KINDS, isPickKind, type PickedFile } from '../../shared/api/bridge';
import { STAFF } from '../../shared/api/contract';
import type { Result } from '../../shared/result';
import { AppError } from '../../shared/result';
import type { Ctx } from '../services/core/context';
import { authenticate } from '../services/auth/sessions';
import { isLocked } from '../services/auth/lock';
import { registerPickedFile } from '../services/uploads/uploads';

export interface OpenDialogOptions {
  title: string;
  properties: ['openFile'];
  filters: { name: string; extensions: string[] }[];
}

/** Electron's dialog.showOpenDialog for the window that asked (its shape, without importing electron). */
export type ShowOpenDialog = (opts: OpenDialogOptions) => Promise<{ canceled: boolean; filePaths: string[] }>;

const refuse = (code: 'invalid_input' | 'unauthenticated' | 'forbidden' | 'locked', message: string): Result<never> => ({ ok: false, error: { code, message } });

export async function pickImportFile(rt: Pick<Ctx, 'store' | 'clock'>, showOpenDialog: ShowOpenDialog, kind: unknown, token: unknown): Promise<Result<PickedFile | null>> {
  if (!isPickKind(kind)) return refuse('invalid_input', `Outpost picks files only for these imports: ${Object.keys(PICK_KINDS).join(', ')}.`);
  const who = () => (typeof token === 'string' ? authenticate(rt, token) : null);
  const actor = who();
  if (!actor) return refuse('unauthenticated', 'Your session has ended. Sign in again.');
  if (!STAFF.includes(actor.role)) return refuse('forbidden', `Your role (${actor.role}) cannot import files.`);
  if (isLocked(rt, token as string)) return refuse('locked', 'Outpost is locked. Enter your password to unlock it.');
  const k = PICK_KINDS[kind];
  const answer = await showOpenDialog({ title: k.title, properties: ['openFile'], filters: k.filters.map((f) => ({ name: f.name, extensions: [...f.extensions] })) });
  if (answer.canceled || answer.filePaths.length === 0) return { ok: true, value: null };
  if (answer.filePaths.length !== 1) return refuse('invalid_input', 'Choose one file.');
  // The dialog stays open as long as the person likes: the session is checked again once it closes.
  const still = who();
  if (!still || still.id !== actor.id) return refuse('unauthenticated', 'Your session ended while the dialog was open. Sign in again.');
  const file = answer.filePaths[0]!;
  try {
    const receipt = registerPickedFile(actor.id, file);
    return { ok: true, value: { ...receipt, name: path.basename(file) } };
  } catch (e) {
    if (e instanceof AppError) return { ok: false, error: { code: e.code, message: e.message } };
    const reason = e instanceof Error && 'code' in e ? String((e as NodeJS.ErrnoException).code) : 'unreadable';
    return refuse('invalid_input', `Outpost could not read ${path.basename(file)} (${reason}). Choose another file.`);
  }
}
