CREATE TABLE `audit_event_records` (
	`record_id` text NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_event_records_idx` ON `audit_event_records` (`record_id`,`seq`);