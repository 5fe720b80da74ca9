CREATE TABLE `problem_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`problem_id` text NOT NULL,
	`author_id` text NOT NULL,
	`description` text NOT NULL,
	`owner_id` text,
	`due_on` text
);
--> statement-breakpoint
CREATE INDEX `problem_actions_problem_idx` ON `problem_actions` (`problem_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `problem_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`problem_id` text NOT NULL,
	`ticket_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `problem_incidents_uq` ON `problem_incidents` (`problem_id`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `problem_incidents_ticket_idx` ON `problem_incidents` (`ticket_id`);--> statement-breakpoint
CREATE TABLE `problems` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`number` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`root_cause` text,
	`workaround` text,
	`known_error` integer DEFAULT 0 NOT NULL,
	`owner_id` text,
	`group_id` text,
	`priority` integer NOT NULL,
	`fix_change_id` text,
	`created_by` text NOT NULL,
	`review_impact` text,
	`review_causes` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `problems_number_uq` ON `problems` (`number`);--> statement-breakpoint
CREATE INDEX `problems_live_status_idx` ON `problems` (`status`,`number`) WHERE deleted_hlc IS NULL;--> statement-breakpoint
CREATE INDEX `problems_scope_idx` ON `problems` (`scope_id`,`number`);