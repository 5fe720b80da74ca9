/** Events pushed from the main process to the renderer (IPC event or SSE). */
export type AppEvent =
  | { type: 'changed'; domain: string; ids: string[] }
  | { type: 'session.expired' }
  | { type: 'hello'; at: string };
