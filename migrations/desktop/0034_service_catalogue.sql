CREATE TABLE `catalogue_items` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`section` text NOT NULL,
	`icon` text DEFAULT 'help' NOT NULL,
	`ticket_type` text DEFAULT 'request' NOT NULL,
	`ticket_category` text,
	`group_id` text,
	`form_fields` text DEFAULT '[]' NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `tickets` ADD `catalogue_item_id` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `form_answers` text;