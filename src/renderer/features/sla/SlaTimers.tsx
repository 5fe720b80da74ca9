/**
 * A ticket's SLA timers for its header: first response and resolution, each with time left, paused,
 * breached, met or missed, and the escalations that fired. When a clock shows a warning or a breach,
 * this device asks for due escalations at once (whichever device notices first writes them).
 */
import { useEffect } from 'react';
import { Badge, Group, Tooltip } from '@mantine/core';
import { IconClockHour4 } from '@tabler/icons-react';
import type { SlaClockView } from '../../../shared/api/sla';
import { api } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { useNow } from '../../lib/useNow';
import { formatDateTime } from '../../lib/format';
import { formatLeft } from './chip';

const NAMES = { response: 'Response', resolution: 'Resolution' } as const;
const COLORS: Record<SlaClockView['level'], string> = { ok: 'gray', warning: 'orange', breached: 'red', paused: 'blue', met: 'green', missed: 'red' };

/** The clock as it reads now: a running clock's level moves with this screen's time past its warning and deadline. */
function reading(c: SlaClockView, now: number): { level: SlaClockView['level']; text: string } {
  if (c.level === 'met' || c.level === 'missed') return { level: c.level, text: c.level };
  if (c.level === 'paused' || (c.level === 'breached' && !c.dueAt)) {
    return c.level === 'paused' ? { level: 'paused', text: `paused, ${formatLeft(c.leftMs ?? 0)} left` } : { level: 'breached', text: 'breached, paused' };
  }
  if (!c.dueAt) return { level: c.level, text: 'running' };
  const due = Date.parse(c.dueAt);
  if (now >= due) return { level: 'breached', text: `breached ${formatLeft(now - due)} ago` };
  const warn = c.warnAt ? Date.parse(c.warnAt) : Infinity;
  return { level: now >= warn ? 'warning' : 'ok', text: `${formatLeft(due - now)} left` };
}

export function SlaTimers({ ticketId, staff }: { ticketId: string; staff: boolean }) {
  const q = useCall('sla.ticket', { id: ticketId });
  const now = useNow(5_000);
  // Refresh the figures as time passes, so a warning shows without a reload.
  useEffect(() => {
    void q.refetch();
  }, [Math.floor(now / 60_000)]);
  const urgent = q.data?.clocks.some((c) => ['warning', 'breached'].includes(reading(c, now).level)) ?? false;
  const fired = q.data?.escalations.length ?? 0;
  useEffect(() => {
    if (!staff || !urgent) return;
    void api.call('sla.escalate', {}).then(
      (r) => {
        if (r.fired.length) changed('sla');
      },
      () => {},
    );
  }, [staff, urgent, fired, ticketId]);
  const v = q.data;
  if (!v || !v.policyName) return null;
  return (
    <Group gap={6} wrap="wrap" data-testid="sla-timers">
      <Tooltip label={`SLA policy “${v.policyName}” on ${v.calendarName ?? 'around the clock'}`}>
        <IconClockHour4 size={16} aria-label="SLA" style={{ color: 'var(--mantine-color-dimmed)' }} />
      </Tooltip>
      {v.clocks.map((c) => {
        const r = reading(c, now);
        return (
          <Tooltip key={c.clock} label={`Target ${formatLeft(c.targetMinutes * 60_000)} of business time${c.dueAt ? `, due ${formatDateTime(c.dueAt)}` : ''}`}>
            <Badge variant="light" color={COLORS[r.level]} tt="none" data-testid={`sla-${c.clock}`} data-level={r.level}>
              {NAMES[c.clock]}: {r.text}
            </Badge>
          </Tooltip>
        );
      })}
      {v.escalations.length > 0 && (
        <Tooltip label={v.escalations.map((e) => `${formatDateTime(e.at)}: ${e.summary}`).join('\n')} multiline w={320}>
          <Badge variant="light" color="red" tt="none" data-testid="sla-escalated">
            Escalated ×{v.escalations.length}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}
