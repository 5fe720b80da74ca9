/**
 * The SLA clock of a ticket: a pure function of its status history (times that travel with the
 * synced records) and the policy that applies. Nothing here reads a clock: two devices holding the
 * same history compute the same figures, whatever order the history reached them in.
 */
import { addBusinessTime, businessTimeBetween, type Calendar } from './calendar';
import { isOpen, type TicketStatus } from '../tickets/rules';
import { pendingReasonOf } from '../tickets/servicenow-states';

/** Pending reasons that stop the clock: the ball is in the customer's or a vendor's court. */
export const PAUSING_REASONS: readonly string[] = ['customer', 'vendor'];

export const DEFAULT_WARN_SHARE = 0.75;

export interface StatusEvent {
  /** When the change was made (ISO), as recorded with the history row. */
  at: string;
  /** The history row's id: orders changes made in the same millisecond. */
  id: string;
  to: TicketStatus;
  /** For a move to pending: customer, vendor or change. */
  reason: string | null;
}

export interface SlaTargets {
  /** Business minutes to the first response / to resolution; null: no target for that clock. */
  responseMinutes: number | null;
  resolutionMinutes: number | null;
  /** Share of the target at which the clock warns (0 < share < 1). */
  warnShare: number;
  calendar: Calendar;
}

export interface ClockFigures {
  state: 'running' | 'paused' | 'stopped';
  targetMs: number;
  /** Business time counted until the clock last paused or stopped (running: until it last resumed). */
  elapsedMs: number;
  /** Running: when it resumed last. */
  resumedAt: number | null;
  /** When the warning share is or was reached, if known (running: in the future or past; otherwise only if it happened). */
  warnAt: number | null;
  /** When the target is or was reached, as above. */
  dueAt: number | null;
  /** Stopped: whether it stopped within its target (null for a cancelled ticket). */
  met: boolean | null;
  stoppedAt: number | null;
}

export interface SlaFigures {
  response: ClockFigures | null;
  resolution: ClockFigures | null;
}

/** Orders a history as every device does: by time, then by row id. */
export function orderHistory<T extends { at: string; id: string }>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

interface Segment {
  from: number;
  to: number | null; // null: still running
  running: boolean;
}

const RESPONDED: readonly TicketStatus[] = ['in_progress', 'pending', 'resolved'];

/** Whether the clock runs in a status; a pending move recorded by an earlier ServiceNow import pauses as its state maps. */
function runs(status: TicketStatus, reason: string | null): boolean {
  return isOpen(status) && !(status === 'pending' && PAUSING_REASONS.includes(pendingReasonOf(reason) ?? ''));
}

function clock(segments: Segment[], targetMs: number, warnShare: number, cal: Calendar, final: { state: ClockFigures['state']; met: boolean | null | 'compute'; stoppedAt: number | null }): ClockFigures {
  const warnMs = Math.max(0, Math.min(targetMs, Math.round(targetMs * warnShare)));
  let elapsed = 0;
  let warnAt: number | null = null;
  let dueAt: number | null = null;
  let resumedAt: number | null = null;
  for (const s of segments) {
    if (!s.running) continue;
    if (s.to === null) {
      resumedAt = s.from;
      if (warnAt === null) warnAt = addBusinessTime(cal, s.from, warnMs - elapsed);
      if (dueAt === null) dueAt = addBusinessTime(cal, s.from, targetMs - elapsed);
      break;
    }
    const span = businessTimeBetween(cal, s.from, s.to);
    if (warnAt === null && elapsed + span >= warnMs) warnAt = addBusinessTime(cal, s.from, warnMs - elapsed);
    if (dueAt === null && elapsed + span >= targetMs) dueAt = addBusinessTime(cal, s.from, targetMs - elapsed);
    elapsed += span;
  }
  const met = final.met === 'compute' ? elapsed <= targetMs : final.met;
  return { state: final.state, targetMs, elapsedMs: elapsed, resumedAt, warnAt, dueAt, met, stoppedAt: final.stoppedAt };
}

/**
 * Figures for both clocks. `openedAt` starts them; the response clock stops at the first response
 * (the earlier of the ticket's first-response time and its first move to in progress, pending or
 * resolved); the resolution clock runs while the ticket is open and not pending on the customer or
 * a vendor, stops when it is resolved, closed or cancelled, and runs on again if it is reopened.
 */
export function computeSla(input: { openedAt: string; firstResponseAt: string | null; history: readonly StatusEvent[] }, targets: SlaTargets): SlaFigures {
  const opened = Date.parse(input.openedAt);
  const events = orderHistory(input.history)
    .map((e) => ({ at: Math.max(opened, Date.parse(e.at)), to: e.to, reason: e.reason }))
    .filter((e) => Number.isFinite(e.at));
  const cal = targets.calendar;

  // Resolution: a segment per status span.
  let status: TicketStatus = 'new';
  let reason: string | null = null;
  let from = opened;
  const segs: Segment[] = [];
  for (const e of events) {
    if (e.at > from) segs.push({ from, to: e.at, running: runs(status, reason) });
    from = Math.max(from, e.at);
    status = e.to;
    reason = e.reason;
  }
  const open = isOpen(status);
  const running = runs(status, reason);
  segs.push({ from, to: open && running ? null : from, running });
  let resolution: ClockFigures | null = null;
  if (targets.resolutionMinutes !== null) {
    resolution = clock(segs, targets.resolutionMinutes * 60_000, targets.warnShare, cal, {
      state: !open ? 'stopped' : running ? 'running' : 'paused',
      met: open ? null : status === 'cancelled' ? null : 'compute',
      stoppedAt: open ? null : from,
    });
  }

  // Response: from opening until the first response (or the ticket ending unanswered).
  let response: ClockFigures | null = null;
  if (targets.responseMinutes !== null) {
    const byStatus = events.find((e) => RESPONDED.includes(e.to))?.at ?? null;
    const byField = input.firstResponseAt ? Math.max(opened, Date.parse(input.firstResponseAt)) : null;
    const answered = byStatus === null ? byField : byField === null || !Number.isFinite(byField) ? byStatus : Math.min(byStatus, byField);
    const ended = events.find((e) => !isOpen(e.to));
    const stop = answered ?? (ended ? ended.at : null);
    response = clock([{ from: opened, to: stop, running: true }], targets.responseMinutes * 60_000, targets.warnShare, cal, {
      state: stop === null ? 'running' : 'stopped',
      met: stop === null ? null : answered === null && ended?.to === 'cancelled' ? null : 'compute',
      stoppedAt: stop,
    });
  }
  return { response, resolution };
}

export type SlaLevel = 'ok' | 'warning' | 'breached' | 'paused' | 'met' | 'missed';

export interface SlaView {
  level: SlaLevel;
  /** Running: ms until the deadline (negative once breached); paused: business ms left of the target. */
  leftMs: number | null;
  dueAt: number | null;
}

/** How one clock reads at an instant: the only place `now` enters, and only for display and escalation. */
export function readClock(c: ClockFigures, nowMs: number): SlaView {
  if (c.state === 'stopped') return { level: c.met === false ? 'missed' : 'met', leftMs: null, dueAt: c.dueAt };
  if (c.state === 'paused') {
    const left = c.targetMs - c.elapsedMs;
    return { level: left < 0 ? 'breached' : 'paused', leftMs: left, dueAt: null };
  }
  if (c.dueAt === null) return { level: 'ok', leftMs: null, dueAt: null };
  if (nowMs >= c.dueAt) return { level: 'breached', leftMs: c.dueAt - nowMs, dueAt: c.dueAt };
  if (c.warnAt !== null && nowMs >= c.warnAt) return { level: 'warning', leftMs: c.dueAt - nowMs, dueAt: c.dueAt };
  return { level: 'ok', leftMs: c.dueAt - nowMs, dueAt: c.dueAt };
}
