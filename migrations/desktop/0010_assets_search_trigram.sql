-- Asset list text search is "contains" (part of a tag, serial, name...), which the word index of
-- 0003 cannot answer. It is replaced by a trigram index over the columns the list searches.
-- detail=none stores only which rows hold each trigram (no positions): about half the size of
-- the word index and cheaper to keep up to date during imports; the list re-checks candidates
-- with LIKE. Notes are no longer indexed (long text, rarely searched, costly in trigrams).
DROP TRIGGER IF EXISTS `assets_fts_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `assets_fts_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `assets_fts_ad`;
--> statement-breakpoint
DROP TABLE IF EXISTS `assets_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `assets_search` USING fts5(tag, name, serial, model, manufacturer, content='assets', content_rowid='rowid', tokenize='trigram', detail=none);
--> statement-breakpoint
INSERT INTO `assets_search` (`assets_search`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `assets_search_ai` AFTER INSERT ON `assets` BEGIN
  INSERT INTO assets_search (rowid, tag, name, serial, model, manufacturer) VALUES (new.rowid, new.tag, new.name, new.serial, new.model, new.manufacturer);
END;
--> statement-breakpoint
CREATE TRIGGER `assets_search_au` AFTER UPDATE OF tag, name, serial, model, manufacturer ON `assets` BEGIN
  INSERT INTO assets_search (assets_search, rowid, tag, name, serial, model, manufacturer) VALUES ('delete', old.rowid, old.tag, old.name, old.serial, old.model, old.manufacturer);
  INSERT INTO assets_search (rowid, tag, name, serial, model, manufacturer) VALUES (new.rowid, new.tag, new.name, new.serial, new.model, new.manufacturer);
END;
--> statement-breakpoint
CREATE TRIGGER `assets_search_ad` AFTER DELETE ON `assets` BEGIN
  INSERT INTO assets_search (assets_search, rowid, tag, name, serial, model, manufacturer) VALUES ('delete', old.rowid, old.tag, old.name, old.serial, old.model, old.manufacturer);
END;
--> statement-breakpoint
-- A room (or a building's rooms) sorted by name: without this every asset in it is read and sorted.
CREATE INDEX `assets_location_name_idx` ON `assets` (`location_id`, `name`, `id`);
--> statement-breakpoint
-- "Overdue" (deployed, expected back before today): a partial index holds only checked-out assets
-- with a return date, so it is small and imports of stock pay almost nothing for it.
CREATE INDEX `assets_overdue_idx` ON `assets` (`expected_return`) WHERE `status` = 'deployed' AND `expected_return` IS NOT NULL;
