DROP INDEX `tickets_kpi_opened_idx`;--> statement-breakpoint
DROP INDEX `tickets_kpi_resolved_idx`;--> statement-breakpoint
DROP INDEX `tickets_kpi_closed_idx`;--> statement-breakpoint
DROP INDEX `tickets_kpi_response_idx`;--> statement-breakpoint
CREATE INDEX `tickets_kpi_backlog_idx` ON `tickets` (`scope_id`,`is_open`,`resolved_at`,`closed_at`,`opened_at`,`deleted_hlc`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_opened_idx` ON `tickets` (`scope_id`,`opened_at`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_resolved_idx` ON `tickets` (`scope_id`,`resolved_at`,`status`,`opened_at`,`deleted_hlc`,`sla_met`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_closed_idx` ON `tickets` (`scope_id`,`closed_at`,`status`,`resolved_at`,`deleted_hlc`,`sla_met`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_kpi_response_idx` ON `tickets` (`scope_id`,`first_response_at`,`opened_at`,`deleted_hlc`,`group_id`,`assignee_id`,`priority`,`category`,`contact_channel`,`id`);--> statement-breakpoint
CREATE INDEX `ticket_figures_kpi_idx` ON `ticket_figures` (`ticket_id`,`reopen_count`,`reassignment_count`,`response_business_ms`,`resolve_business_ms`);