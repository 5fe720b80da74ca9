CREATE TABLE `kb_article_revisions` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`article_id` text NOT NULL,
	`version` integer NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`actor_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `kb_article_revisions_article_idx` ON `kb_article_revisions` (`article_id`,`version`);--> statement-breakpoint
CREATE TABLE `kb_article_tags` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`article_id` text NOT NULL,
	`tag` text NOT NULL,
	`tag_key` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kb_article_tags_uq` ON `kb_article_tags` (`article_id`,`tag_key`);--> statement-breakpoint
CREATE INDEX `kb_article_tags_key_idx` ON `kb_article_tags` (`tag_key`,`article_id`);--> statement-breakpoint
CREATE TABLE `kb_articles` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`number` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`category` text,
	`status` text NOT NULL,
	`visibility` text NOT NULL,
	`owner_id` text,
	`version` integer DEFAULT 0 NOT NULL,
	`published_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kb_articles_number_uq` ON `kb_articles` (`number`);--> statement-breakpoint
CREATE INDEX `kb_articles_live_idx` ON `kb_articles` (`status`,`updated_at`) WHERE deleted_hlc IS NULL;--> statement-breakpoint
CREATE INDEX `kb_articles_category_idx` ON `kb_articles` (`category`,`updated_at`) WHERE deleted_hlc IS NULL;--> statement-breakpoint
CREATE TABLE `kb_ticket_links` (
	`id` text PRIMARY KEY NOT NULL,
	`scope_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`field_hlc` text DEFAULT '{}' NOT NULL,
	`deleted_hlc` text,
	`ticket_id` text NOT NULL,
	`article_id` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kb_ticket_links_uq` ON `kb_ticket_links` (`ticket_id`,`article_id`);--> statement-breakpoint
CREATE INDEX `kb_ticket_links_article_idx` ON `kb_ticket_links` (`article_id`);