CREATE TABLE `change_approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`change_id` text NOT NULL,
	`approver_id` text NOT NULL,
	`decision` text NOT NULL,
	`comment` text
);
--> statement-breakpoint
CREATE INDEX `change_approvals_change_idx` ON `change_approvals` (`change_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `change_assets` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`change_id` text NOT NULL,
	`asset_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `change_assets_uq` ON `change_assets` (`change_id`,`asset_id`);--> statement-breakpoint
CREATE INDEX `change_assets_asset_idx` ON `change_assets` (`asset_id`);--> statement-breakpoint
CREATE TABLE `changes` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`number` text NOT NULL,
	`type` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`risk` text NOT NULL,
	`impact` text,
	`implementation_plan` text,
	`test_plan` text,
	`backout_plan` text,
	`window_start` text,
	`window_end` text,
	`owner_id` text,
	`group_id` text,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `changes_number_uq` ON `changes` (`number`);--> statement-breakpoint
CREATE INDEX `changes_window_idx` ON `changes` (`window_start`,`window_end`) WHERE deleted_hlc IS NULL;--> statement-breakpoint
CREATE INDEX `changes_status_idx` ON `changes` (`status`,`number`) WHERE deleted_hlc IS NULL;