ALTER TABLE `change_approvals` ADD `round` text;--> statement-breakpoint
ALTER TABLE `changes` ADD `approval_round` text;