/** Row ↔ API shape for tickets. */
import type { Ticket, TicketRow } from '../../../shared/api/tickets';

export const TICKET_SELECT = `SELECT t.id, t.number, t.type, t.title, t.description, t.category, t.subcategory, t.impact, t.urgency,
  t.priority, t.priority_overridden AS priorityOverridden, t.status, t.pending_reason AS pendingReason,
  t.resolution_code AS resolutionCode, t.resolution_notes AS resolutionNotes, t.assignee_id AS assigneeId,
  a.display_name AS assigneeName, t.group_id AS groupId, g.name AS groupName, t.requester_id AS requesterId,
  r.display_name AS requesterName, t.scope_id AS siteId, s.name AS siteName, t.contact_channel AS contactChannel,
  t.linked_asset_id AS linkedAssetId, t.opened_at AS openedAt, t.first_response_at AS firstResponseAt,
  t.resolved_at AS resolvedAt, t.closed_at AS closedAt, t.sla_met AS slaMet, t.former_number AS formerNumber, t.created_at AS createdAt, t.updated_at AS updatedAt
  FROM tickets t
  LEFT JOIN users a ON a.id = t.assignee_id
  LEFT JOIN groups g ON g.id = t.group_id
  LEFT JOIN users r ON r.id = t.requester_id
  LEFT JOIN sites s ON s.id = t.scope_id`;

export const ROW_COLUMNS = `t.id, t.number, t.type, t.title, t.priority, t.status, t.assignee_id AS assigneeId,
  (SELECT display_name FROM users WHERE id = t.assignee_id) AS assigneeName, t.group_id AS groupId,
  (SELECT name FROM groups WHERE id = t.group_id) AS groupName,
  (SELECT display_name FROM users WHERE id = t.requester_id) AS requesterName, t.scope_id AS siteId,
  t.opened_at AS openedAt, t.updated_at AS updatedAt, t.resolved_at AS resolvedAt, t.sla_state AS slaState, t.sla_clock AS slaClock,
  t.sla_due_at AS slaDueAt, t.sla_warn_at AS slaWarnAt, t.sla_left_ms AS slaLeftMs`;

export function toTicket(r: Record<string, unknown>): Ticket {
  return { ...(r as unknown as Ticket), priorityOverridden: !!r.priorityOverridden, slaMet: r.slaMet == null ? null : !!r.slaMet };
}

export function toRow(r: Record<string, unknown>): TicketRow {
  return r as unknown as TicketRow;
}

/** API field → column. */
export const FIELD_COLUMNS = {
  title: 'title',
  description: 'description',
  category: 'category',
  subcategory: 'subcategory',
  impact: 'impact',
  urgency: 'urgency',
  priority: 'priority',
  assigneeId: 'assignee_id',
  groupId: 'group_id',
  requesterId: 'requester_id',
  siteId: 'scope_id',
  contactChannel: 'contact_channel',
  linkedAssetId: 'linked_asset_id',
} as const;
export type EditableField = keyof typeof FIELD_COLUMNS;
