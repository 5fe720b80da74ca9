/**
 * Generates tickets with realistic shapes (mostly closed history, a live backlog, skewed
 * priorities, weekday-heavy arrivals) and inserts them in bulk through the same columns, ops
 * and search index as single writes. Used by sample data, `npm run seed` and the benchmarks.
 */
import type { Ctx } from '../core/context';
import { write } from '../core/write';
import { appendRecord, createRecord, storeOf } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import {
  DEFAULT_PRIORITY_MATRIX,
  formatNumber,
  isOpen,
  numberPrefix,
  priorityFor,
  type TicketStatus,
  type TicketType,
} from '../../../shared/tickets/rules';
import { reserveNumbers } from '../core/numbers';
import { recomputeAllSla } from '../sla/recompute-job';
import { DEFAULT_CATEGORIES } from '../settings/settings';

// Generated data is the same for the same seed.
export { mulberry32, type Rng } from '../../../shared/random';
import type { Rng } from '../../../shared/random';

const DEVICES = ['laptop', 'desktop', 'printer', 'monitor', 'docking station', 'phone', 'tablet', 'headset', 'scanner', 'projector'];
const APPS = ['Outlook', 'Teams', 'Excel', 'SAP', 'Salesforce', 'VPN client', 'Chrome', 'Adobe Reader', 'Zoom', 'SharePoint', 'OneDrive', 'Jira', 'Citrix', 'Windows', 'macOS'];
const PROBLEMS = [
  'will not start',
  'keeps freezing',
  'is very slow',
  'shows a blue screen',
  'cannot connect to the network',
  'has no sound',
  'battery drains quickly',
  'screen flickers',
  'keeps asking for a password',
  'crashes on start',
  'cannot print',
  'sync fails with an error',
  'will not open attachments',
  'licence expired',
  'update failed',
];
const REQUESTS = [
  'New starter needs a laptop and accounts',
  'Access to the finance shared drive',
  'Install {app} on my machine',
  'Replace broken {device}',
  'Add me to the {app} distribution list',
  'Second monitor for my desk',
  'Reset MFA for {app}',
  'Move desk phone to another floor',
  'Temporary laptop for a site visit',
  'Leaver: recover equipment and disable accounts',
];
const SENTENCES = [
  'This started this morning after the latest update.',
  'I have already restarted twice and it did not help.',
  'Several colleagues in the same office see the same thing.',
  'It happens only when connected to the office Wi-Fi.',
  'The error message says access denied.',
  'I need this working before the client meeting tomorrow.',
  'The warehouse scanner station is affected as well.',
  'It worked fine yesterday afternoon.',
  'Please call me on my mobile when someone is available.',
  'I attached a screenshot of the message.',
  'The asset tag on the device is partly worn off.',
  'This blocks invoicing for the whole team.',
];
const COMMENTS = [
  'Called the user, remote session booked for this afternoon.',
  'Reproduced the issue; collecting logs.',
  'Waiting for the vendor to confirm the fix.',
  'Replaced the power supply, testing now.',
  'Cleared the credential cache and re-enrolled the device.',
  'Escalated to the network team for a switch port check.',
  'User confirms it works again.',
  'Ordered a replacement part, arrives in two days.',
];
const RESOLUTIONS = ['solved_permanently', 'solved_workaround', 'not_reproducible', 'duplicate', 'no_fault_found'] as const;
const CHANNELS = ['phone', 'email', 'portal', 'walk_in', 'chat', 'monitoring'] as const;

export interface GeneratedTicket {
  type: TicketType;
  title: string;
  description: string;
  category: string;
  subcategory: string;
  impact: 1 | 2 | 3;
  urgency: 1 | 2 | 3;
  status: TicketStatus;
  assigneeId: string | null;
  groupId: string | null;
  requesterId: string | null;
  siteId: string;
  contactChannel: string;
  openedAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  pendingReason: string | null;
  resolutionCode: string | null;
  resolutionNotes: string | null;
  comments: string[];
}

export interface GenerateOptions {
  now: Date;
  siteIds: string[];
  groupIds: string[];
  technicianIds: string[];
  requesterIds: string[];
  /** Days of history to spread tickets over; by default about 300 tickets a day. */
  days?: number;
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

function weighted<T>(rng: Rng, pairs: readonly (readonly [T, number])[]): T {
  let r = rng() * pairs.reduce((s, p) => s + p[1], 0);
  for (const [v, w] of pairs) {
    r -= w;
    if (r <= 0) return v;
  }
  return pairs[pairs.length - 1]![0];
}

export function generateTickets(rng: Rng, count: number, o: GenerateOptions): GeneratedTicket[] {
  const days = o.days ?? Math.max(30, Math.ceil(count / 300));
  const nowMs = o.now.getTime();
  const out: GeneratedTicket[] = [];
  for (let i = 0; i < count; i++) {
    const type: TicketType = rng() < 0.7 ? 'incident' : 'request';
    const device = pick(rng, DEVICES);
    const app = pick(rng, APPS);
    const title =
      type === 'incident'
        ? rng() < 0.5
          ? `${device[0]!.toUpperCase()}${device.slice(1)} ${pick(rng, PROBLEMS)}`
          : `${app} ${pick(rng, PROBLEMS)}`
        : pick(rng, REQUESTS).replace('{app}', app).replace('{device}', device);
    const description = [pick(rng, SENTENCES), pick(rng, SENTENCES), rng() < 0.5 ? pick(rng, SENTENCES) : ''].join(' ').trim();
    const cat = pick(rng, DEFAULT_CATEGORIES);
    // Arrivals skew towards recent days and weekdays.
    const ageDays = Math.floor(Math.pow(rng(), 1.3) * days);
    let opened = nowMs - ageDays * 86400_000 - Math.floor(rng() * 9 * 3600_000) - 8 * 3600_000;
    const dow = new Date(opened).getUTCDay();
    if ((dow === 0 || dow === 6) && rng() < 0.7) opened -= 2 * 86400_000;
    if (opened > nowMs) opened = nowMs - 60_000;
    const recent = ageDays < 30;
    const status: TicketStatus = recent
      ? weighted(rng, [
          ['new', 8],
          ['assigned', 10],
          ['in_progress', 12],
          ['pending', 6],
          ['resolved', 20],
          ['closed', 40],
          ['cancelled', 4],
        ] as const)
      : weighted(rng, [
          ['new', 0.3],
          ['assigned', 0.5],
          ['in_progress', 1],
          ['pending', 1],
          ['resolved', 2],
          ['closed', 90],
          ['cancelled', 5],
        ] as const);
    const impact = weighted(rng, [
      [1, 8],
      [2, 30],
      [3, 62],
    ] as const);
    const urgency = weighted(rng, [
      [1, 12],
      [2, 33],
      [3, 55],
    ] as const);
    const assigned = status !== 'new' && (status !== 'cancelled' || rng() < 0.5);
    const responded = status !== 'new' && status !== 'assigned';
    const firstResponse = responded ? opened + Math.floor(rng() * 4 * 3600_000) : null;
    const resolved = status === 'resolved' || status === 'closed' ? Math.min(nowMs, (firstResponse ?? opened) + Math.floor(Math.pow(rng(), 2) * 10 * 86400_000)) : null;
    const closed = status === 'closed' ? Math.min(nowMs, (resolved ?? opened) + 3 * 86400_000) : status === 'cancelled' ? opened + 3600_000 : null;
    const nComments = rng() < 0.35 ? 1 + Math.floor(rng() * 3) : 0;
    out.push({
      type,
      title,
      description,
      category: cat.name,
      subcategory: pick(rng, cat.subcategories),
      impact,
      urgency,
      status,
      assigneeId: assigned && o.technicianIds.length ? pick(rng, o.technicianIds) : null,
      groupId: o.groupIds.length && rng() < 0.9 ? pick(rng, o.groupIds) : null,
      requesterId: o.requesterIds.length ? pick(rng, o.requesterIds) : null,
      siteId: pick(rng, o.siteIds),
      contactChannel: pick(rng, CHANNELS),
      openedAt: new Date(opened).toISOString(),
      firstResponseAt: firstResponse ? new Date(firstResponse).toISOString() : null,
      resolvedAt: resolved ? new Date(resolved).toISOString() : null,
      closedAt: closed ? new Date(closed).toISOString() : null,
      pendingReason: status === 'pending' ? pick(rng, ['customer', 'vendor', 'change']) : null,
      resolutionCode: resolved ? pick(rng, RESOLUTIONS) : null,
      resolutionNotes: resolved ? pick(rng, COMMENTS) : null,
      comments: Array.from({ length: nComments }, () => pick(rng, COMMENTS)),
    });
  }
  // Oldest first, so numbers rise with time as they would have.
  out.sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0));
  return out;
}

/** Inserts generated tickets in chunks (one transaction each), with their ops, history and comments. */
export function insertGeneratedTickets(ctx: Ctx, specs: GeneratedTicket[], opts: { chunk?: number; onProgress?: (done: number) => void } = {}): void {
  const sqlite = ctx.store.sqlite;
  const chunk = opts.chunk ?? 5000;
  const counts = { INC: 0, REQ: 0 };
  for (const s of specs) counts[numberPrefix(s.type) as 'INC' | 'REQ']++;
  const first = {
    INC: counts.INC ? reserveNumbers(sqlite, 'INC', counts.INC) : 0,
    REQ: counts.REQ ? reserveNumbers(sqlite, 'REQ', counts.REQ) : 0,
  };
  const next = { ...first };
  for (let start = 0; start < specs.length; start += chunk) {
    const part = specs.slice(start, start + chunk);
    write(ctx, (w) => {
      const nowMs = Date.parse(w.now);
      for (const s of part) {
        const id = uuidv7(Date.parse(s.openedAt));
        // Comments an hour apart from the opening, never in the future.
        const commentTimes = s.comments.map((_, i) => new Date(Math.min(Date.parse(s.openedAt) + (i + 1) * 3600_000, nowMs)).toISOString());
        const prefix = numberPrefix(s.type) as 'INC' | 'REQ';
        const number = formatNumber(prefix, next[prefix]++);
        const priority = priorityFor(DEFAULT_PRIORITY_MATRIX, s.impact, s.urgency);
        // The ticket's last change as every device will see it: its opening or its newest comment
        // (a comment moves a ticket's updated_at everywhere; see sync/apply.ts).
        const updated = commentTimes.length && commentTimes[commentTimes.length - 1]! > s.openedAt ? commentTimes[commentTimes.length - 1]! : s.openedAt;
        // Each record keeps its own (generated) times; one audit event below covers the chunk.
        const store = storeOf(sqlite);
        createRecord(
          store,
          w,
          'tickets',
          id,
          s.siteId,
          {
            number, type: s.type, title: s.title, description: s.description, category: s.category, subcategory: s.subcategory,
            impact: s.impact, urgency: s.urgency, priority, priority_overridden: 0, status: s.status, is_open: isOpen(s.status) ? 1 : 0,
            pending_reason: s.pendingReason, resolution_code: s.resolutionCode, resolution_notes: s.resolutionNotes,
            assignee_id: s.assigneeId, group_id: s.groupId, requester_id: s.requesterId, contact_channel: s.contactChannel, linked_asset_id: null,
            opened_at: s.openedAt, first_response_at: s.firstResponseAt, resolved_at: s.resolvedAt, closed_at: s.closedAt,
          },
          { audit: false, times: { createdAt: s.openedAt, updatedAt: updated } },
        );
        const hid = uuidv7(Date.parse(s.openedAt));
        appendRecord(store, w, 'ticket_history', hid, s.siteId, { ticket_id: id, actor_id: w.actorId, kind: 'status', to_value: s.status }, { audit: false, times: { createdAt: s.openedAt, updatedAt: s.openedAt } });
        for (const [i, body] of s.comments.entries()) {
          const when = commentTimes[i]!;
          const cid = uuidv7(Date.parse(when));
          const author = s.assigneeId ?? w.actorId;
          appendRecord(store, w, 'ticket_comments', cid, s.siteId, { ticket_id: id, author_id: author, body, internal: 0 }, { audit: false, times: { createdAt: when, updatedAt: when } });
        }
      }
      w.audit('ticket', null, null, { generated: part.length, first: start });
    });
    opts.onProgress?.(Math.min(specs.length, start + chunk));
  }
  // With SLA policies set, the new tickets get their deadlines as any ticket does.
  if (sqlite.prepare('SELECT 1 FROM sla_policies WHERE deleted_hlc IS NULL LIMIT 1').get()) sqlite.transaction(() => recomputeAllSla(sqlite)).immediate();
}
