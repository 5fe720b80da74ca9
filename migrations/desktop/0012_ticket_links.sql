CREATE TABLE `ticket_links` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`other_id` text NOT NULL,
	`kind` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_links_uq` ON `ticket_links` (`ticket_id`,`other_id`,`kind`);--> statement-breakpoint
CREATE INDEX `ticket_links_other_idx` ON `ticket_links` (`other_id`);