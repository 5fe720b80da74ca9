CREATE TABLE `evidence` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`record_type` text NOT NULL,
	`record_id` text NOT NULL,
	`file_name` text NOT NULL,
	`media_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`note` text,
	`uploaded_by` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `evidence_record_idx` ON `evidence` (`record_type`,`record_id`);--> statement-breakpoint
CREATE INDEX `evidence_sha_idx` ON `evidence` (`sha256`);--> statement-breakpoint
CREATE TABLE `evidence_blobs_synced` (
	`sha256` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `finding_links` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`finding_id` text NOT NULL,
	`kind` text NOT NULL,
	`target_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `finding_links_uq` ON `finding_links` (`finding_id`,`kind`,`target_id`);--> statement-breakpoint
CREATE INDEX `finding_links_target_idx` ON `finding_links` (`kind`,`target_id`);--> statement-breakpoint
CREATE TABLE `findings` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`severity` text NOT NULL,
	`status` text NOT NULL,
	`owner_id` text,
	`due_date` text,
	`assessment_id` text,
	`ticket_id` text,
	`raised_by` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `findings_status_idx` ON `findings` (`status`);--> statement-breakpoint
CREATE INDEX `findings_ticket_idx` ON `findings` (`ticket_id`);--> statement-breakpoint
CREATE INDEX `findings_assessment_idx` ON `findings` (`assessment_id`);