ALTER TABLE `sessions` ADD `active_at` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `locked_at` text;