/** The SLA columns a ticket row carries (derived on the device, never synced) and how a ticket's figures read as them. */
import type { ClockFigures } from '../../../shared/sla/clock';
import type { TicketSla } from '../../../shared/sla/setup';

export interface SlaColumns {
  sla_state: 'running' | 'paused' | 'stopped' | null;
  sla_clock: 'response' | 'resolution' | null;
  sla_due_at: number | null;
  sla_warn_at: number | null;
  sla_left_ms: number | null;
}

export const NONE: SlaColumns = { sla_state: null, sla_clock: null, sla_due_at: null, sla_warn_at: null, sla_left_ms: null };

/** The stored form: the running clock with the nearest deadline, else the paused or stopped resolution clock. */
export function columnsOf(sla: TicketSla | null): SlaColumns {
  if (!sla) return NONE;
  const { response, resolution } = sla.figures;
  const running = ([['response', response], ['resolution', resolution]] as const).filter(
    (x): x is readonly ['response' | 'resolution', ClockFigures] => !!x[1] && x[1].state === 'running' && x[1].dueAt !== null,
  );
  running.sort((a, b) => a[1].dueAt! - b[1].dueAt!);
  const first = running[0];
  if (first) return { sla_state: 'running', sla_clock: first[0], sla_due_at: first[1].dueAt, sla_warn_at: first[1].warnAt ?? first[1].dueAt, sla_left_ms: null };
  const main = resolution ?? response;
  if (!main) return NONE;
  const clock = resolution ? 'resolution' : 'response';
  if (main.state === 'running') return { sla_state: 'running', sla_clock: clock, sla_due_at: null, sla_warn_at: null, sla_left_ms: null };
  return { sla_state: main.state, sla_clock: clock, sla_due_at: null, sla_warn_at: null, sla_left_ms: main.met === null && main.state === 'stopped' ? null : main.targetMs - main.elapsedMs };
}


/** True when two column sets say the same. */
export function sameColumns(a: SlaColumns, b: SlaColumns): boolean {
  return a.sla_state === b.sla_state && a.sla_clock === b.sla_clock && a.sla_due_at === b.sla_due_at && a.sla_warn_at === b.sla_warn_at && a.sla_left_ms === b.sla_left_ms;
}
