CREATE INDEX `audit_actor_idx` ON `audit_events` (`actor_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_type_idx` ON `audit_events` (`record_type`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_call_idx` ON `audit_events` (`call`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_events` (`at`);