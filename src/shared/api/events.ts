/** Events pushed from the main process to the renderer (IPC event or SSE). */
import type { ImportJobStatus } from './assets';

export type AppEvent =
  | { type: 'changed'; domain: string; ids: string[] }
  | { type: 'session.expired' }
  | { type: 'hello'; at: string }
  | { type: 'import.progress'; job: ImportJobStatus };
