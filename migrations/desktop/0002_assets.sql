CREATE TABLE `asset_history` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`asset_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`kind` text NOT NULL,
	`field` text,
	`from_value` text,
	`to_value` text,
	`reason` text,
	`assigned_to_id` text,
	`location_id` text,
	`expected_return` text,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `asset_history_asset_idx` ON `asset_history` (`asset_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `asset_relations` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`asset_id` text NOT NULL,
	`other_id` text NOT NULL,
	`kind` text NOT NULL,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`other_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `asset_relations_uq` ON `asset_relations` (`asset_id`,`other_id`,`kind`);--> statement-breakpoint
CREATE INDEX `asset_relations_other_idx` ON `asset_relations` (`other_id`);--> statement-breakpoint
CREATE TABLE `assets` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`tag` text NOT NULL,
	`tag_key` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`category` text,
	`manufacturer` text,
	`model` text,
	`model_number` text,
	`serial` text,
	`uuid` text,
	`status` text NOT NULL,
	`assigned_to_id` text,
	`location_id` text,
	`checked_out_at` text,
	`expected_return` text,
	`purchase_date` text,
	`cost` real,
	`supplier` text,
	`order_number` text,
	`warranty_end` text,
	`eol_date` text,
	`last_audit_at` text,
	`next_audit_at` text,
	`last_inventory_at` text,
	`notes` text,
	`custom_fields` text DEFAULT '{}' NOT NULL,
	`hardware` text,
	FOREIGN KEY (`assigned_to_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `assets_tag_uq` ON `assets` (`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_name_idx` ON `assets` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `assets_status_idx` ON `assets` (`status`,`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_scope_idx` ON `assets` (`scope_id`,`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_location_idx` ON `assets` (`location_id`,`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_assignee_idx` ON `assets` (`assigned_to_id`,`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_type_idx` ON `assets` (`type`,`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_category_idx` ON `assets` (`category`,`tag_key`);--> statement-breakpoint
CREATE INDEX `assets_updated_idx` ON `assets` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `assets_warranty_idx` ON `assets` (`warranty_end`,`id`);--> statement-breakpoint
CREATE INDEX `assets_next_audit_idx` ON `assets` (`next_audit_at`,`id`);--> statement-breakpoint
CREATE INDEX `assets_serial_idx` ON `assets` (`serial`);--> statement-breakpoint
CREATE INDEX `assets_uuid_idx` ON `assets` (`uuid`);--> statement-breakpoint
CREATE TABLE `audit_expected` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`audit_id` text NOT NULL,
	`asset_id` text NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audit_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_expected_uq` ON `audit_expected` (`audit_id`,`asset_id`);--> statement-breakpoint
CREATE TABLE `audit_scans` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`audit_id` text NOT NULL,
	`tag` text NOT NULL,
	`tag_key` text NOT NULL,
	`result` text NOT NULL,
	`asset_id` text,
	`registered_location_id` text,
	`relocated` integer DEFAULT false NOT NULL,
	`auditor_id` text NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audit_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_scans_audit_idx` ON `audit_scans` (`audit_id`,`tag_key`);--> statement-breakpoint
CREATE INDEX `audit_scans_asset_idx` ON `audit_scans` (`asset_id`);--> statement-breakpoint
CREATE TABLE `audit_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`location_id` text NOT NULL,
	`include_sub` integer NOT NULL,
	`status` text NOT NULL,
	`started_by_id` text NOT NULL,
	`closed_at` text,
	`signed_off_by` text,
	`sign_off_note` text,
	FOREIGN KEY (`location_id`) REFERENCES `locations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_sessions_status_idx` ON `audit_sessions` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `eol_products` (
	`slug` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`category` text,
	`match_names` text NOT NULL,
	`imported_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `eol_releases` (
	`product` text NOT NULL,
	`cycle` text NOT NULL,
	`release_date` text,
	`eol_date` text,
	`eol_flag` integer DEFAULT false NOT NULL,
	`latest` text,
	PRIMARY KEY(`product`, `cycle`),
	FOREIGN KEY (`product`) REFERENCES `eol_products`(`slug`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `installed_software` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`asset_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`vendor` text,
	`version` text,
	`installed_on` text,
	`source` text NOT NULL,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `installed_software_asset_idx` ON `installed_software` (`asset_id`);--> statement-breakpoint
CREATE INDEX `installed_software_name_idx` ON `installed_software` (`name_key`,`version`);--> statement-breakpoint
CREATE TABLE `inventory_agent_tokens` (
	`site_id` text PRIMARY KEY NOT NULL,
	`token` text NOT NULL,
	`created_at` text NOT NULL,
	`last_report_at` text
);
--> statement-breakpoint
CREATE TABLE `kev_entries` (
	`cve_id` text PRIMARY KEY NOT NULL,
	`vendor_project` text NOT NULL,
	`product` text NOT NULL,
	`vendor_key` text NOT NULL,
	`product_key` text NOT NULL,
	`vulnerability_name` text,
	`date_added` text NOT NULL,
	`due_date` text,
	`required_action` text,
	`known_ransomware` integer DEFAULT false NOT NULL,
	`short_description` text
);
--> statement-breakpoint
CREATE INDEX `kev_product_idx` ON `kev_entries` (`product_key`);--> statement-breakpoint
CREATE TABLE `licence_assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`entitlement_id` text NOT NULL,
	`asset_id` text,
	`user_id` text,
	FOREIGN KEY (`entitlement_id`) REFERENCES `licence_entitlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `licence_assignments_ent_idx` ON `licence_assignments` (`entitlement_id`);--> statement-breakpoint
CREATE INDEX `licence_assignments_asset_idx` ON `licence_assignments` (`asset_id`);--> statement-breakpoint
CREATE INDEX `licence_assignments_user_idx` ON `licence_assignments` (`user_id`);--> statement-breakpoint
CREATE TABLE `licence_entitlements` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`product_id` text NOT NULL,
	`type` text NOT NULL,
	`seats` integer,
	`licence_key` text,
	`start_date` text,
	`end_date` text,
	`cost` real,
	`supplier` text,
	`order_number` text,
	`licensed_to` text,
	`notes` text,
	FOREIGN KEY (`product_id`) REFERENCES `software_products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `licence_entitlements_product_idx` ON `licence_entitlements` (`product_id`);--> statement-breakpoint
CREATE INDEX `licence_entitlements_end_idx` ON `licence_entitlements` (`end_date`);--> statement-breakpoint
CREATE TABLE `locations` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`parent_id` text,
	`address` text
);
--> statement-breakpoint
CREATE INDEX `locations_parent_idx` ON `locations` (`parent_id`);--> statement-breakpoint
CREATE INDEX `locations_scope_idx` ON `locations` (`scope_id`,`name`);--> statement-breakpoint
CREATE TABLE `maintenance_records` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`asset_id` text NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`software` text,
	`from_version` text,
	`to_version` text,
	`status` text NOT NULL,
	`window_start` text,
	`window_end` text,
	`performed_by_id` text,
	`ticket_id` text,
	`notes` text,
	FOREIGN KEY (`asset_id`) REFERENCES `assets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`performed_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `maintenance_asset_idx` ON `maintenance_records` (`asset_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `maintenance_status_idx` ON `maintenance_records` (`status`,`window_start`);--> statement-breakpoint
CREATE TABLE `software_products` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`vendor` text,
	`match_names` text DEFAULT '[]' NOT NULL,
	`notes` text
);
--> statement-breakpoint
CREATE INDEX `software_products_name_idx` ON `software_products` (`name_key`);