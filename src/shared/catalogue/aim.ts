/** What the portal tells a requester about a ticket's SLA: the next thing the team aims to do, and by when. */
import type { SlaFigures } from '../sla/clock';
import type { PortalAim } from '../api/portal';

export function aimOf(figures: SlaFigures | null): PortalAim | null {
  if (!figures) return null;
  for (const clock of ['response', 'resolution'] as const) {
    const c = figures[clock];
    if (!c || c.state === 'stopped') continue;
    if (c.state === 'paused') return { clock, dueAt: null, paused: true };
    return { clock, dueAt: c.dueAt === null ? null : new Date(c.dueAt).toISOString(), paused: false };
  }
  return null;
}
