CREATE TABLE `applied_controls` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`name` text NOT NULL,
	`description` text,
	`category` text,
	`owner_id` text,
	`status` text NOT NULL,
	`due_on` text,
	`effort` text,
	`cost` real
);
--> statement-breakpoint
CREATE INDEX `applied_controls_name_idx` ON `applied_controls` (`name`);--> statement-breakpoint
CREATE TABLE `assessments` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`framework_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`started_by_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `assessments_fw_idx` ON `assessments` (`framework_id`);--> statement-breakpoint
CREATE TABLE `control_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`control_id` text NOT NULL,
	`ticket_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `control_tickets_uq` ON `control_tickets` (`control_id`,`ticket_id`);--> statement-breakpoint
CREATE TABLE `framework_requirements` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`framework_id` text NOT NULL,
	`urn` text NOT NULL,
	`parent_urn` text,
	`ref_id` text,
	`name` text,
	`description` text,
	`assessable` integer NOT NULL,
	`depth` integer NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `framework_requirements_fw_idx` ON `framework_requirements` (`framework_id`,`position`);--> statement-breakpoint
CREATE INDEX `framework_requirements_ref_idx` ON `framework_requirements` (`framework_id`,`ref_id`);--> statement-breakpoint
CREATE TABLE `frameworks` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`urn` text NOT NULL,
	`version` integer NOT NULL,
	`ref_id` text,
	`name` text NOT NULL,
	`description` text,
	`provider` text,
	`min_score` integer,
	`max_score` integer,
	`scores_definition` text,
	`requirement_count` integer NOT NULL,
	`assessable_count` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `frameworks_urn_idx` ON `frameworks` (`urn`);--> statement-breakpoint
CREATE TABLE `requirement_assessments` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`assessment_id` text NOT NULL,
	`requirement_id` text NOT NULL,
	`result` text NOT NULL,
	`score` integer,
	`observation` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `requirement_assessments_uq` ON `requirement_assessments` (`assessment_id`,`requirement_id`);--> statement-breakpoint
CREATE TABLE `risk_assets` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`risk_id` text NOT NULL,
	`asset_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_assets_uq` ON `risk_assets` (`risk_id`,`asset_id`);--> statement-breakpoint
CREATE INDEX `risk_assets_asset_idx` ON `risk_assets` (`asset_id`);--> statement-breakpoint
CREATE TABLE `risk_controls` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`risk_id` text NOT NULL,
	`control_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_controls_uq` ON `risk_controls` (`risk_id`,`control_id`);--> statement-breakpoint
CREATE INDEX `risk_controls_control_idx` ON `risk_controls` (`control_id`);--> statement-breakpoint
CREATE TABLE `risk_locations` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`risk_id` text NOT NULL,
	`location_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_locations_uq` ON `risk_locations` (`risk_id`,`location_id`);--> statement-breakpoint
CREATE TABLE `risk_matrices` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`urn` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`provider` text,
	`definition` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `risk_matrices_urn_idx` ON `risk_matrices` (`urn`);--> statement-breakpoint
CREATE TABLE `risk_score_history` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`risk_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`stage` text NOT NULL,
	`from_likelihood` integer,
	`from_impact` integer,
	`to_likelihood` integer,
	`to_impact` integer,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `risk_score_history_risk_idx` ON `risk_score_history` (`risk_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `risks` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`number` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`category` text,
	`owner_id` text,
	`status` text NOT NULL,
	`matrix_id` text NOT NULL,
	`inherent_likelihood` integer,
	`inherent_impact` integer,
	`current_likelihood` integer,
	`current_impact` integer,
	`residual_likelihood` integer,
	`residual_impact` integer,
	`threats` text,
	`vulnerabilities` text,
	`existing_controls` text,
	`treatment` text,
	`acceptance_approver_id` text,
	`acceptance_justification` text,
	`acceptance_expires_on` text,
	`review_every_days` integer,
	`last_reviewed_on` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risks_number_uq` ON `risks` (`number`);--> statement-breakpoint
CREATE INDEX `risks_scope_idx` ON `risks` (`scope_id`,`number`);--> statement-breakpoint
CREATE INDEX `risks_status_idx` ON `risks` (`status`,`number`);--> statement-breakpoint
CREATE INDEX `risks_owner_idx` ON `risks` (`owner_id`,`number`);--> statement-breakpoint
CREATE INDEX `risks_current_idx` ON `risks` (`current_likelihood`,`current_impact`);