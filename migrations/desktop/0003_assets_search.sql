-- Full-text search over assets (tag, name, serial, model, manufacturer, category, notes), kept in step by triggers.
-- External content: the text lives once, in assets; the index holds only tokens.
CREATE VIRTUAL TABLE `assets_fts` USING fts5(tag, name, serial, model, manufacturer, category, notes, content='assets', content_rowid='rowid', tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `assets_fts_ai` AFTER INSERT ON `assets` BEGIN
  INSERT INTO assets_fts (rowid, tag, name, serial, model, manufacturer, category, notes)
  VALUES (new.rowid, new.tag, new.name, new.serial, new.model, new.manufacturer, new.category, new.notes);
END;
--> statement-breakpoint
CREATE TRIGGER `assets_fts_au` AFTER UPDATE OF tag, name, serial, model, manufacturer, category, notes ON `assets` BEGIN
  INSERT INTO assets_fts (assets_fts, rowid, tag, name, serial, model, manufacturer, category, notes)
  VALUES ('delete', old.rowid, old.tag, old.name, old.serial, old.model, old.manufacturer, old.category, old.notes);
  INSERT INTO assets_fts (rowid, tag, name, serial, model, manufacturer, category, notes)
  VALUES (new.rowid, new.tag, new.name, new.serial, new.model, new.manufacturer, new.category, new.notes);
END;
--> statement-breakpoint
CREATE TRIGGER `assets_fts_ad` AFTER DELETE ON `assets` BEGIN
  INSERT INTO assets_fts (assets_fts, rowid, tag, name, serial, model, manufacturer, category, notes)
  VALUES ('delete', old.rowid, old.tag, old.name, old.serial, old.model, old.manufacturer, old.category, old.notes);
END;
--> statement-breakpoint
-- An asset page lists its linked tickets; without this the lookup scans every ticket.
CREATE INDEX IF NOT EXISTS `tickets_linked_asset_idx` ON `tickets` (`linked_asset_id`);
