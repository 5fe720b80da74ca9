DROP INDEX `risks_status_idx`;--> statement-breakpoint
DROP INDEX `risks_current_idx`;--> statement-breakpoint
CREATE INDEX `risks_live_idx` ON `risks` (`matrix_id`,`number`) WHERE deleted_hlc IS NULL;--> statement-breakpoint
CREATE INDEX `risks_live_status_idx` ON `risks` (`matrix_id`,`status`,`number`) WHERE deleted_hlc IS NULL;--> statement-breakpoint
CREATE INDEX `risks_heat_idx` ON `risks` (`matrix_id`,`inherent_likelihood`,`inherent_impact`,`current_likelihood`,`current_impact`,`residual_likelihood`,`residual_impact`,`status`) WHERE deleted_hlc IS NULL;