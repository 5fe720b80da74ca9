CREATE TABLE `kb_picture_blobs` (
	`sha256` text PRIMARY KEY NOT NULL,
	`media_type` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `synced_blobs` (
	`sha256` text NOT NULL,
	`article_id` text DEFAULT '' NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`sha256`, `article_id`)
);
--> statement-breakpoint
INSERT INTO `synced_blobs` (`sha256`, `article_id`, `at`) SELECT `sha256`, '', `at` FROM `evidence_blobs_synced`;
