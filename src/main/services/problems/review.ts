/**
 * A problem's post-incident review: a timeline built from its linked incidents' histories (status
 * moves, comments, reassignments, in time order), its impact, causes and actions, exported as PDF.
 */
import type { PDFFont, PDFPage } from 'pdf-lib';
import { rgb } from 'pdf-lib';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { MM, reportDocument, winAnsi, wrapText } from '../labels/pdf';
import type { ReviewEntry } from '../../../shared/api/problems';
import { STATUS_LABELS, type TicketStatus } from '../../../shared/tickets/rules';
import { PROBLEM_STATUS_LABELS } from '../../../shared/itsm/rules';
import { getProblem } from './problems';

const statusLabel = (s: string | null) => (s ? (STATUS_LABELS[s as TicketStatus] ?? s) : 'opened');

export function reviewTimeline(ctx: Ctx, problemId: string): ReviewEntry[] {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  // Reassignments are field changes of the assignee or the group (as the ticket's history names them).
  const history = sqlite
    .prepare(
      `SELECT h.id, h.created_at AS at, t.number, h.kind, h.field, h.from_value AS fromValue, h.to_value AS toValue, h.reason,
         coalesce(u.display_name, 'Unknown') AS who
       FROM problem_incidents pi JOIN tickets t ON t.id = pi.ticket_id JOIN ticket_history h ON h.ticket_id = t.id
       LEFT JOIN users u ON u.id = h.actor_id
       WHERE pi.problem_id = ? AND pi.deleted_hlc IS NULL AND h.deleted_hlc IS NULL
         AND (h.kind = 'status' OR h.field IN ('assigneeId', 'groupId'))`,
    )
    .all(problemId) as { id: string; at: string; number: string; kind: 'status' | 'field'; field: string | null; fromValue: string | null; toValue: string | null; reason: string | null; who: string }[];
  const comments = sqlite
    .prepare(
      `SELECT c.id, c.created_at AS at, t.number, c.body, c.internal, coalesce(u.display_name, 'Unknown') AS who
       FROM problem_incidents pi JOIN tickets t ON t.id = pi.ticket_id JOIN ticket_comments c ON c.ticket_id = t.id
       LEFT JOIN users u ON u.id = c.author_id
       WHERE pi.problem_id = ? AND pi.deleted_hlc IS NULL AND c.deleted_hlc IS NULL`,
    )
    .all(problemId) as { id: string; at: string; number: string; body: string; internal: number; who: string }[];
  const rows: (ReviewEntry & { id: string })[] = [
    ...history.map((h) =>
      h.kind === 'status'
        ? { id: h.id, at: h.at, ticketNumber: h.number, kind: 'status' as const, who: h.who, text: `${statusLabel(h.fromValue)} → ${statusLabel(h.toValue)}${h.reason ? ` (${h.reason})` : ''}` }
        : {
            id: h.id,
            at: h.at,
            ticketNumber: h.number,
            kind: 'reassignment' as const,
            who: h.who,
            text: `${h.field === 'groupId' ? 'Group' : 'Assignee'}: ${h.fromValue ?? 'none'} → ${h.toValue ?? 'none'}`,
          },
    ),
    ...comments.map((c) => ({ id: c.id, at: c.at, ticketNumber: c.number, kind: 'comment' as const, who: c.who, text: `${c.internal ? 'Internal note: ' : ''}${c.body}` })),
  ];
  // UUIDv7 ids break ties between entries of the same millisecond in the order they were written.
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return rows.map(({ id: _id, ...e }) => e);
}

const fmt = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

export async function reviewPdf(ctx: Ctx, problemId: string) {
  const p = getProblem(ctx, problemId);
  const entries = reviewTimeline(ctx, problemId);
  const { doc, bold, font } = await reportDocument(`Post-incident review: ${winAnsi(p.number)}`, ctx.clock.now());
  const W = 210 * MM;
  const H = 297 * MM;
  const left = 15 * MM;
  const width = W - 30 * MM;
  let page: PDFPage = doc.addPage([W, H]);
  let y = H - 20 * MM;
  let pageNo = 1;
  const footer = () => page.drawText(winAnsi(`${p.number} post-incident review · page ${pageNo}`), { x: left, y: 10 * MM, size: 7, font, color: rgb(0.35, 0.35, 0.35) });
  const room = (h: number) => {
    if (y - h >= 20 * MM) return;
    footer();
    page = doc.addPage([W, H]);
    pageNo++;
    y = H - 20 * MM;
  };
  // Every piece of text wraps within the page, onto a new page if need be.
  const para = (text: string, size = 9, f: PDFFont = font, x = left, w = width) => {
    for (const line of wrapText(f, text, size, w)) {
      room(size * 0.45 * MM + 4 * MM);
      page.drawText(line, { x, y, size, font: f });
      y -= size * 0.16 * MM + 3 * MM;
    }
  };
  const heading = (t: string) => {
    y -= 3 * MM;
    room(12 * MM);
    page.drawText(winAnsi(t), { x: left, y, size: 12, font: bold });
    y -= 6 * MM;
  };
  para(`Post-incident review: ${p.number}`, 16, bold);
  para(p.title, 11, bold);
  y -= 2 * MM;
  para(`Status: ${PROBLEM_STATUS_LABELS[p.status]}${p.knownError ? ' (known error)' : ''} · Priority P${p.priority} · Owner: ${p.ownerName ?? 'none'} · Generated ${fmt(ctx.clock.now().toISOString())}`);
  para(`Linked incidents: ${p.incidents.map((i) => `${i.number} ${i.title}`).join('; ') || 'none'}`);
  if (p.fixChange) para(`Fixed by change ${p.fixChange.number}: ${p.fixChange.title}`);
  heading('Impact');
  para(p.review.impact ?? 'Not recorded.');
  heading('Root cause and contributing causes');
  if (p.rootCause) para(`Root cause: ${p.rootCause}`);
  para(p.review.causes ?? (p.rootCause ? '' : 'Not recorded.'));
  if (p.workaround) para(`Workaround: ${p.workaround}`);
  heading('Timeline');
  if (!entries.length) para('No incident history yet.');
  for (const e of entries) {
    room(8 * MM);
    page.drawText(winAnsi(`${fmt(e.at)}  ${e.ticketNumber}`), { x: left, y, size: 8, font: bold });
    y -= 3.6 * MM;
    para(`${e.who}, ${e.kind}: ${e.text}`, 8.5, font, left + 6 * MM, width - 6 * MM);
    y -= 1 * MM;
  }
  heading('Actions');
  if (!p.review.actions.length) para('No action recorded.');
  for (const a of p.review.actions) para(`- ${a.description} (owner: ${a.ownerName ?? 'none'}; due: ${a.dueOn ?? 'no date'})`);
  footer();
  const bytes = await doc.save();
  return { filename: `${p.number.toLowerCase()}-review.pdf`, mime: 'application/pdf', content: Buffer.from(bytes).toString('base64'), encoding: 'base64' as const };
}
