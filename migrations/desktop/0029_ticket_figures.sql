CREATE TABLE `ticket_figures` (
	`ticket_id` text PRIMARY KEY NOT NULL,
	`reopen_count` integer DEFAULT 0 NOT NULL,
	`reassignment_count` integer DEFAULT 0 NOT NULL,
	`response_business_ms` integer,
	`resolve_business_ms` integer
);
--> statement-breakpoint
CREATE INDEX `ticket_figures_reopened_idx` ON `ticket_figures` (`ticket_id`) WHERE reopen_count > 0;--> statement-breakpoint
CREATE INDEX `tickets_kpi_opened_idx` ON `tickets` (`scope_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_resolved_idx` ON `tickets` (`scope_id`,`resolved_at`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_closed_idx` ON `tickets` (`scope_id`,`closed_at`,`status`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_response_idx` ON `tickets` (`scope_id`,`first_response_at`);--> statement-breakpoint
-- Reopenings and reassignments follow the ticket's history in the same transaction as any write of it
-- (local edit, import, pulled page): the ticket's few history rows are recounted through ticket_history_ticket_idx.
CREATE TRIGGER ticket_figures_history_insert AFTER INSERT ON ticket_history BEGIN
  INSERT INTO ticket_figures (ticket_id, reopen_count, reassignment_count) VALUES (NEW.ticket_id, (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = NEW.ticket_id AND h.kind = 'status' AND h.from_value IN ('resolved', 'closed') AND h.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND h.deleted_hlc IS NULL), (SELECT count(DISTINCT h.created_at) FROM ticket_history h WHERE h.ticket_id = NEW.ticket_id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL)) ON CONFLICT(ticket_id) DO UPDATE SET reopen_count = excluded.reopen_count, reassignment_count = excluded.reassignment_count;
END;--> statement-breakpoint
CREATE TRIGGER ticket_figures_history_update AFTER UPDATE OF ticket_id, kind, field, from_value, to_value, created_at, deleted_hlc ON ticket_history BEGIN
  INSERT INTO ticket_figures (ticket_id, reopen_count, reassignment_count) VALUES (NEW.ticket_id, (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = NEW.ticket_id AND h.kind = 'status' AND h.from_value IN ('resolved', 'closed') AND h.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND h.deleted_hlc IS NULL), (SELECT count(DISTINCT h.created_at) FROM ticket_history h WHERE h.ticket_id = NEW.ticket_id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL)) ON CONFLICT(ticket_id) DO UPDATE SET reopen_count = excluded.reopen_count, reassignment_count = excluded.reassignment_count;
END;--> statement-breakpoint
CREATE TRIGGER ticket_figures_history_delete AFTER DELETE ON ticket_history BEGIN
  INSERT INTO ticket_figures (ticket_id, reopen_count, reassignment_count) VALUES (OLD.ticket_id, (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = OLD.ticket_id AND h.kind = 'status' AND h.from_value IN ('resolved', 'closed') AND h.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND h.deleted_hlc IS NULL), (SELECT count(DISTINCT h.created_at) FROM ticket_history h WHERE h.ticket_id = OLD.ticket_id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL)) ON CONFLICT(ticket_id) DO UPDATE SET reopen_count = excluded.reopen_count, reassignment_count = excluded.reassignment_count;
END;--> statement-breakpoint
CREATE TRIGGER ticket_figures_ticket_delete AFTER DELETE ON tickets BEGIN
  DELETE FROM ticket_figures WHERE ticket_id = OLD.id;
END;--> statement-breakpoint
-- The tickets already held: their figures from their history (business hours follow at start, see services/sla/figures.ts).
INSERT INTO ticket_figures (ticket_id, reopen_count, reassignment_count)
SELECT t.id, (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = t.id AND h.kind = 'status' AND h.from_value IN ('resolved', 'closed') AND h.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND h.deleted_hlc IS NULL), (SELECT count(DISTINCT h.created_at) FROM ticket_history h WHERE h.ticket_id = t.id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL) FROM tickets t;