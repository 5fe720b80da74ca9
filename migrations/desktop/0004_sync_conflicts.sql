CREATE TABLE `sync_conflicts` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`entity` text NOT NULL,
	`record_id` text NOT NULL,
	`field` text NOT NULL,
	`kind` text NOT NULL,
	`kept_value` text,
	`lost_value` text,
	`kept_stamp` text,
	`lost_stamp` text,
	`kept_device` text,
	`lost_device` text,
	`lost_author` text,
	`status` text DEFAULT 'open' NOT NULL,
	`resolution` text,
	`resolved_by` text
);
--> statement-breakpoint
CREATE INDEX `sync_conflicts_status_idx` ON `sync_conflicts` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `sync_conflicts_record_idx` ON `sync_conflicts` (`record_id`);