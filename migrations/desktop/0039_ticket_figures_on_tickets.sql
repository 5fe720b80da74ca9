-- The dashboards' per-ticket figures move from ticket_figures onto the ticket row, where the KPI indexes
-- carry them (docs/kpis.md): a widget reads each counted ticket's figures from the index entry it already
-- reads, instead of one lookup per ticket in a second table.
DROP INDEX `tickets_kpi_resolved_idx`;--> statement-breakpoint
DROP INDEX `tickets_kpi_closed_idx`;--> statement-breakpoint
DROP INDEX `tickets_kpi_response_idx`;--> statement-breakpoint
DROP INDEX `tickets_sla_due_idx`;--> statement-breakpoint
DROP INDEX `tickets_sla_warn_idx`;--> statement-breakpoint
ALTER TABLE `tickets` ADD `reopen_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `reassignment_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `response_business_ms` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolve_business_ms` integer;--> statement-breakpoint
-- What each ticket had (kept by the triggers of 0029 and services/sla), before any index holds the columns.
UPDATE tickets SET reopen_count = f.reopen_count, reassignment_count = f.reassignment_count, response_business_ms = f.response_business_ms, resolve_business_ms = f.resolve_business_ms
FROM ticket_figures f
WHERE f.ticket_id = tickets.id AND (f.reopen_count <> 0 OR f.reassignment_count <> 0 OR f.response_business_ms IS NOT NULL OR f.resolve_business_ms IS NOT NULL);--> statement-breakpoint
DROP TRIGGER ticket_figures_history_insert;--> statement-breakpoint
DROP TRIGGER ticket_figures_history_update;--> statement-breakpoint
DROP TRIGGER ticket_figures_history_delete;--> statement-breakpoint
DROP TRIGGER ticket_figures_ticket_delete;--> statement-breakpoint
DROP TABLE `ticket_figures`;--> statement-breakpoint
-- Reopenings and reassignments follow the ticket's history in the transaction of whatever wrote it (an
-- edit here, an import, a pulled page). A new history row adds to the count, and only a row that counts
-- fires: a reopening adds one; a change of group or assignee away from a set value adds one unless another
-- change of the ticket at the same moment counted already (group and assignee changed together count once).
CREATE TRIGGER tickets_figures_reopen_insert AFTER INSERT ON ticket_history
WHEN NEW.kind = 'status' AND NEW.from_value IN ('resolved', 'closed') AND NEW.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND NEW.deleted_hlc IS NULL
BEGIN
  UPDATE tickets SET reopen_count = reopen_count + 1 WHERE id = NEW.ticket_id;
END;--> statement-breakpoint
CREATE TRIGGER tickets_figures_reassign_insert AFTER INSERT ON ticket_history
WHEN NEW.kind = 'field' AND NEW.field IN ('groupId', 'assigneeId') AND NEW.from_value IS NOT NULL AND NEW.deleted_hlc IS NULL
BEGIN
  UPDATE tickets SET reassignment_count = reassignment_count + 1
  WHERE id = NEW.ticket_id AND NOT EXISTS (SELECT 1 FROM ticket_history h WHERE h.ticket_id = NEW.ticket_id AND h.created_at = NEW.created_at AND h.id <> NEW.id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL);
END;--> statement-breakpoint
-- A history row changed or removed (a pulled edit or delete, rare) that counts, or counted: the ticket's few
-- history rows are recounted through ticket_history_ticket_idx.
CREATE TRIGGER tickets_figures_history_update AFTER UPDATE OF ticket_id, kind, field, from_value, to_value, created_at, deleted_hlc ON ticket_history
WHEN (OLD.ticket_id IS NOT NEW.ticket_id OR OLD.kind IS NOT NEW.kind OR OLD.field IS NOT NEW.field OR OLD.from_value IS NOT NEW.from_value OR OLD.to_value IS NOT NEW.to_value OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_hlc IS NOT NEW.deleted_hlc)
  AND ((OLD.kind = 'status' AND OLD.from_value IN ('resolved', 'closed') AND OLD.to_value IN ('new', 'assigned', 'in_progress', 'pending')) OR (OLD.kind = 'field' AND OLD.field IN ('groupId', 'assigneeId') AND OLD.from_value IS NOT NULL) OR (NEW.kind = 'status' AND NEW.from_value IN ('resolved', 'closed') AND NEW.to_value IN ('new', 'assigned', 'in_progress', 'pending')) OR (NEW.kind = 'field' AND NEW.field IN ('groupId', 'assigneeId') AND NEW.from_value IS NOT NULL))
BEGIN
  UPDATE tickets SET reopen_count = (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = tickets.id AND h.kind = 'status' AND h.from_value IN ('resolved', 'closed') AND h.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND h.deleted_hlc IS NULL), reassignment_count = (SELECT count(DISTINCT h.created_at) FROM ticket_history h WHERE h.ticket_id = tickets.id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL) WHERE id IN (OLD.ticket_id, NEW.ticket_id);
END;--> statement-breakpoint
CREATE TRIGGER tickets_figures_history_delete AFTER DELETE ON ticket_history
WHEN OLD.deleted_hlc IS NULL AND ((OLD.kind = 'status' AND OLD.from_value IN ('resolved', 'closed') AND OLD.to_value IN ('new', 'assigned', 'in_progress', 'pending')) OR (OLD.kind = 'field' AND OLD.field IN ('groupId', 'assigneeId') AND OLD.from_value IS NOT NULL))
BEGIN
  UPDATE tickets SET reopen_count = (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = tickets.id AND h.kind = 'status' AND h.from_value IN ('resolved', 'closed') AND h.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND h.deleted_hlc IS NULL), reassignment_count = (SELECT count(DISTINCT h.created_at) FROM ticket_history h WHERE h.ticket_id = tickets.id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL) WHERE id = OLD.ticket_id;
END;--> statement-breakpoint
-- A pulled page may bring a ticket's history before the ticket itself: the ticket counts what is there.
CREATE TRIGGER tickets_figures_ticket_insert AFTER INSERT ON tickets
WHEN EXISTS (SELECT 1 FROM ticket_history h WHERE h.ticket_id = NEW.id)
BEGIN
  UPDATE tickets SET reopen_count = (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = NEW.id AND h.kind = 'status' AND h.from_value IN ('resolved', 'closed') AND h.to_value IN ('new', 'assigned', 'in_progress', 'pending') AND h.deleted_hlc IS NULL), reassignment_count = (SELECT count(DISTINCT h.created_at) FROM ticket_history h WHERE h.ticket_id = NEW.id AND h.kind = 'field' AND h.field IN ('groupId', 'assigneeId') AND h.from_value IS NOT NULL AND h.deleted_hlc IS NULL) WHERE id = NEW.id;
END;--> statement-breakpoint
CREATE INDEX `tickets_reopened_idx` ON `tickets` (`resolved_at`) WHERE reopen_count > 0;--> statement-breakpoint
CREATE INDEX `tickets_kpi_resolved_idx` ON `tickets` (`scope_id`,`resolved_at`,`status`,`opened_at`,`deleted_hlc`,`sla_met`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`,`reopen_count`,`reassignment_count`,`resolve_business_ms`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_closed_idx` ON `tickets` (`scope_id`,`closed_at`,`status`,`resolved_at`,`deleted_hlc`,`sla_met`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`,`reopen_count`,`reassignment_count`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_response_idx` ON `tickets` (`scope_id`,`first_response_at`,`opened_at`,`deleted_hlc`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`,`response_business_ms`);--> statement-breakpoint
CREATE INDEX `tickets_sla_due_idx` ON `tickets` (`sla_due_at`,`id`,`sla_warn_at`,`is_open`,`scope_id`,`deleted_hlc`) WHERE sla_due_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_sla_warn_idx` ON `tickets` (`sla_warn_at`,`is_open`,`scope_id`,`deleted_hlc`,`sla_due_at`) WHERE sla_warn_at IS NOT NULL;