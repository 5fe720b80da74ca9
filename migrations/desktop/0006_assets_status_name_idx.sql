DROP INDEX `assets_warranty_idx`;--> statement-breakpoint
DROP INDEX `assets_next_audit_idx`;--> statement-breakpoint
CREATE INDEX `assets_status_name_idx` ON `assets` (`status`,`name`,`id`);