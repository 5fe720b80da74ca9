/** Maps a refused call's zod issues onto form fields, so each message shows under its own field. */
import { ApiCallError } from '../../lib/client';

/** { 'admin.password': 'Password must be…' } keyed by the issue path joined with dots. */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (e instanceof ApiCallError) {
    for (const i of e.issues) {
      const k = i.path.join('.');
      if (!(k in out)) out[k] = i.message;
    }
  }
  return out;
}
