CREATE TABLE `routing_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT 1 NOT NULL,
	`conditions` text DEFAULT '{}' NOT NULL,
	`actions` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sla_calendars` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`timezone` text NOT NULL,
	`hours` text DEFAULT '[]' NOT NULL,
	`holidays` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sla_policies` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT 1 NOT NULL,
	`type` text,
	`category` text,
	`site_id` text,
	`calendar_id` text,
	`warn_share` real DEFAULT 0.75 NOT NULL,
	`targets` text DEFAULT '{}' NOT NULL,
	`escalations` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ticket_escalations` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`policy_id` text NOT NULL,
	`level_key` text NOT NULL,
	`clock` text NOT NULL,
	`moment` text NOT NULL,
	`deadline` text NOT NULL,
	`summary` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_escalations_ticket_idx` ON `ticket_escalations` (`ticket_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_policy_id` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_response_met` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_resolution_target_minutes` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_state` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_clock` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_due_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_warn_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_left_ms` integer;--> statement-breakpoint
CREATE INDEX `tickets_sla_due_idx` ON `tickets` (`sla_due_at`,`id`) WHERE sla_due_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_sla_warn_idx` ON `tickets` (`sla_warn_at`) WHERE sla_warn_at IS NOT NULL;