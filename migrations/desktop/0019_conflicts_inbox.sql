DROP INDEX `sync_conflicts_status_idx`;--> statement-breakpoint
CREATE INDEX `sync_conflicts_inbox_idx` ON `sync_conflicts` (`status`,`created_at`,`id`);