CREATE TABLE `ticket_tags` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`tag` text NOT NULL,
	`tag_key` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_tags_uq` ON `ticket_tags` (`ticket_id`,`tag_key`);--> statement-breakpoint
CREATE INDEX `ticket_tags_key_idx` ON `ticket_tags` (`tag_key`,`ticket_id`);--> statement-breakpoint
CREATE TABLE `ticket_watchers` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`user_id` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_watchers_uq` ON `ticket_watchers` (`ticket_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `ticket_watchers_user_idx` ON `ticket_watchers` (`user_id`);