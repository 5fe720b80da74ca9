CREATE TABLE `risk_vulnerabilities` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`risk_id` text NOT NULL,
	`asset_id` text NOT NULL,
	`cve_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_vulnerabilities_uq` ON `risk_vulnerabilities` (`risk_id`,`asset_id`,`cve_id`);--> statement-breakpoint
CREATE INDEX `risk_vulnerabilities_asset_idx` ON `risk_vulnerabilities` (`asset_id`,`cve_id`);