/** What the portal tells a requester about a ticket's SLA: the next thing the team aims to do, and by when. */
import type { SlaFigures } from '../sla/clock';
import type { PortalAim } from '../api/portal';

/**
 * The aim from the ticket's SLA figures; `nowMs` is the clock of whoever answers (the device's, or
 * the server's for its portal), never the requester's browser, and says only whether the aim has passed.
 */
export function aimOf(figures: SlaFigures | null, nowMs: number): PortalAim | null {
  if (!figures) return null;
  for (const clock of ['response', 'resolution'] as const) {
    const c = figures[clock];
    if (!c || c.state === 'stopped') continue;
    if (c.state === 'paused') return { clock, dueAt: null, paused: true, overdue: false };
    return { clock, dueAt: c.dueAt === null ? null : new Date(c.dueAt).toISOString(), paused: false, overdue: c.dueAt !== null && c.dueAt < nowMs };
  }
  return null;
}
