/**
 * How an SLA reads on screen: time left or breached while the clock runs, paused, met or missed.
 * The deadline comes from the ticket's history (computed in the main process); only the time left
 * uses this screen's clock.
 */
import type { TicketRow } from '../../../shared/api/tickets';

export interface SlaChipView {
  label: string;
  /** Mantine colour. */
  color: string;
  title: string;
  level: 'ok' | 'warning' | 'breached' | 'paused' | 'met' | 'missed';
}

export function formatLeft(ms: number): string {
  const m = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d`;
}

const CLOCK = { response: 'First response', resolution: 'Resolution' } as const;

export function slaChip(r: Pick<TicketRow, 'slaState' | 'slaClock' | 'slaDueAt' | 'slaWarnAt' | 'slaLeftMs'>, now: number): SlaChipView | null {
  if (!r.slaState) return null;
  const what = CLOCK[r.slaClock ?? 'resolution'];
  if (r.slaState === 'running' && r.slaDueAt !== null) {
    const due = new Date(r.slaDueAt).toLocaleString();
    if (now >= r.slaDueAt) return { level: 'breached', label: `Breached ${formatLeft(now - r.slaDueAt)}`, color: 'red', title: `${what} was due ${due}` };
    const left = formatLeft(r.slaDueAt - now);
    if (r.slaWarnAt !== null && now >= r.slaWarnAt) return { level: 'warning', label: `${left} left`, color: 'orange', title: `${what} due ${due}: breaching soon` };
    return { level: 'ok', label: `${left} left`, color: 'gray', title: `${what} due ${due}` };
  }
  if (r.slaState === 'paused') {
    const left = r.slaLeftMs ?? 0;
    return left < 0
      ? { level: 'breached', label: 'Paused, breached', color: 'red', title: `${what}: target passed before the clock paused (waiting on the customer or a vendor)` }
      : { level: 'paused', label: 'Paused', color: 'blue', title: `${what}: ${formatLeft(left)} of business time left, clock paused while waiting on the customer or a vendor` };
  }
  if (r.slaState === 'stopped' && r.slaLeftMs !== null)
    return r.slaLeftMs < 0 ? { level: 'missed', label: 'SLA missed', color: 'red', title: `${what} took ${formatLeft(r.slaLeftMs)} longer than its target` } : { level: 'met', label: 'SLA met', color: 'green', title: `${what} within its target` };
  return null;
}
