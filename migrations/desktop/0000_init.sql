CREATE TABLE `audit_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`at` text NOT NULL,
	`actor_id` text,
	`call` text NOT NULL,
	`record_type` text NOT NULL,
	`record_id` text,
	`before` text,
	`after` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_id_unique` ON `audit_events` (`id`);--> statement-breakpoint
CREATE INDEX `audit_record_idx` ON `audit_events` (`record_id`,`seq`);--> statement-breakpoint
CREATE TABLE `counters` (
	`prefix` text PRIMARY KEY NOT NULL,
	`next` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `login_attempts` (
	`username` text PRIMARY KEY NOT NULL,
	`failures` integer NOT NULL,
	`last_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pending_ops` (
	`op_id` text PRIMARY KEY NOT NULL,
	`device_id` text NOT NULL,
	`device_seq` integer NOT NULL,
	`hlc` text NOT NULL,
	`schema_version` integer NOT NULL,
	`kind` text NOT NULL,
	`entity` text NOT NULL,
	`record_id` text NOT NULL,
	`scope_id` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pending_ops_device_seq_unique` ON `pending_ops` (`device_seq`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	`last_seen_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `group_members` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `group_members_uq` ON `group_members` (`group_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `group_members_user_idx` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`description` text
);
--> statement-breakpoint
CREATE TABLE `saved_views` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`base` text NOT NULL,
	`filter` text NOT NULL,
	`sort` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `saved_views_owner_idx` ON `saved_views` (`owner_id`);--> statement-breakpoint
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`code` text,
	`timezone` text
);
--> statement-breakpoint
CREATE TABLE `user_sites` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`user_id` text NOT NULL,
	`site_id` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_sites_uq` ON `user_sites` (`user_id`,`site_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`username` text NOT NULL,
	`display_name` text NOT NULL,
	`email` text,
	`role` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`password_hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_uq` ON `users` (`username`);--> statement-breakpoint
CREATE TABLE `ticket_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`author_id` text NOT NULL,
	`body` text NOT NULL,
	`internal` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_comments_ticket_idx` ON `ticket_comments` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_history` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`kind` text NOT NULL,
	`field` text,
	`from_value` text,
	`to_value` text,
	`reason` text,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_history_ticket_idx` ON `ticket_history` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_worklogs` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`author_id` text NOT NULL,
	`minutes` integer NOT NULL,
	`note` text,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_worklogs_ticket_idx` ON `ticket_worklogs` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`number` text NOT NULL,
	`type` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`category` text,
	`subcategory` text,
	`impact` integer NOT NULL,
	`urgency` integer NOT NULL,
	`priority` integer NOT NULL,
	`priority_overridden` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`is_open` integer NOT NULL,
	`pending_reason` text,
	`resolution_code` text,
	`resolution_notes` text,
	`assignee_id` text,
	`group_id` text,
	`requester_id` text,
	`contact_channel` text,
	`linked_asset_id` text,
	`opened_at` text NOT NULL,
	`first_response_at` text,
	`resolved_at` text,
	`closed_at` text,
	FOREIGN KEY (`assignee_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`requester_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_number_uq` ON `tickets` (`number`);--> statement-breakpoint
CREATE INDEX `tickets_open_priority_idx` ON `tickets` (`is_open`,`priority`,`opened_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_open_opened_idx` ON `tickets` (`is_open`,`opened_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_open_updated_idx` ON `tickets` (`is_open`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_open_resolved_idx` ON `tickets` (`is_open`,`resolved_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_assignee_idx` ON `tickets` (`assignee_id`,`is_open`,`priority`,`opened_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_group_idx` ON `tickets` (`group_id`,`is_open`,`priority`,`opened_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_scope_idx` ON `tickets` (`scope_id`,`is_open`,`priority`,`opened_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_requester_idx` ON `tickets` (`requester_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `tickets_opened_idx` ON `tickets` (`opened_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_updated_idx` ON `tickets` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_status_idx` ON `tickets` (`status`,`priority`,`opened_at`,`id`);