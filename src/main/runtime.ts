/** Starts the main-process core shared by the Electron shell and the browser host. */
import path from 'node:path';
import os from 'node:os';
import { EventEmitter } from 'node:events';
import { openStore } from './db/open';
import { createLogger, type Logger } from './log';
import { systemClock, type Clock } from './services/core/context';
import { reindexSearch, searchIndexStale } from './services/search/search';
import type { Runtime } from './api/dispatch';
import type { AppEvent } from '../shared/api';

export interface StartedRuntime extends Runtime {
  dataDir: string;
  events: EventEmitter;
  close(): void;
}

/** Where data lives when nothing says otherwise (the Electron shell passes its userData). */
export function defaultDataDir(): string {
  if (process.env.OUTPOST_DATA_DIR) return path.resolve(process.env.OUTPOST_DATA_DIR);
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData/Roaming'), 'Outpost');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library/Application Support/Outpost');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local/share'), 'outpost');
}

export function startRuntime(opts: { dataDir: string; clock?: Clock; log?: Logger; migrationsFolder?: string }): StartedRuntime {
  const dataDir = path.resolve(opts.dataDir);
  const log = opts.log ?? createLogger({ file: path.join(dataDir, 'logs', 'outpost.log') });
  const store = openStore(path.join(dataDir, 'outpost.db'), { migrationsFolder: opts.migrationsFolder });
  if (searchIndexStale({ store })) {
    log.warn('search index out of step with tickets; rebuilding');
    reindexSearch({ store });
  }
  const events = new EventEmitter();
  events.setMaxListeners(1000);
  log.info({ dataDir }, 'store open');
  return {
    store,
    clock: opts.clock ?? systemClock,
    log,
    dataDir,
    events,
    emit: (e: AppEvent) => events.emit('event', e),
    close: () => {
      store.close();
      log.flush?.();
    },
  };
}
