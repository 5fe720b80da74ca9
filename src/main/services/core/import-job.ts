/**
 * The status of a running import as the progress bar reads it (phase, rows done of total), shared
 * by the asset and the ticket importers: each step is reported to `onStatus` (the transport's event
 * channel) as a copy.
 */
import { uuidv7 } from '../../../shared/ids';
import type { ImportJobStatus } from '../../../shared/api/assets';
import type { Ctx } from './context';

export interface ImportJob {
  status: ImportJobStatus;
  progress(p: { phase: ImportJobStatus['phase']; done: number; total: number }): void;
  finish(state: ImportJobStatus['state'], message: string | null): void;
}

export function startImportJob(ctx: Ctx, format: string, byId: string, onStatus?: (job: ImportJobStatus) => void): ImportJob {
  const status: ImportJobStatus = {
    id: uuidv7(),
    format,
    state: 'running',
    phase: 'reading',
    done: 0,
    total: 0,
    startedAt: ctx.clock.now().toISOString(),
    finishedAt: null,
    byId,
    cancelRequested: false,
    message: null,
  };
  const report = () => onStatus?.({ ...status });
  report();
  return {
    status,
    progress: (p) => {
      status.phase = p.phase;
      status.done = p.done;
      status.total = p.total;
      report();
    },
    finish: (state, message) => {
      status.state = state;
      status.message = message;
      status.finishedAt = ctx.clock.now().toISOString();
      report();
    },
  };
}
