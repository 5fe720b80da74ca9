CREATE TABLE `risk_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`risk_id` text NOT NULL,
	`ticket_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_tickets_uq` ON `risk_tickets` (`risk_id`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `risk_tickets_ticket_idx` ON `risk_tickets` (`ticket_id`);--> statement-breakpoint
ALTER TABLE `risks` ADD `former_number` text;--> statement-breakpoint
CREATE INDEX `risks_former_number_idx` ON `risks` (`former_number`);