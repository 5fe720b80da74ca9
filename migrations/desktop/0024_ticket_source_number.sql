ALTER TABLE `tickets` ADD `source_number` text;--> statement-breakpoint
CREATE INDEX `tickets_source_number_idx` ON `tickets` (`source_number`) WHERE source_number IS NOT NULL;