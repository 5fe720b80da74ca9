-- Full-text search over knowledge articles: number, title, body, category and tags, kept in step by triggers.
CREATE VIRTUAL TABLE `kb_fts` USING fts5(number, title, body, category, tags, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `kb_fts_ai` AFTER INSERT ON `kb_articles` BEGIN
  INSERT INTO kb_fts (rowid, number, title, body, category, tags) VALUES (new.rowid, new.number, new.title, new.body, coalesce(new.category, ''), '');
END;
--> statement-breakpoint
CREATE TRIGGER `kb_fts_au` AFTER UPDATE OF number, title, body, category ON `kb_articles` BEGIN
  UPDATE kb_fts SET number = new.number, title = new.title, body = new.body, category = coalesce(new.category, '') WHERE rowid = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `kb_fts_ad` AFTER DELETE ON `kb_articles` BEGIN
  DELETE FROM kb_fts WHERE rowid = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `kb_article_tags_fts_ai` AFTER INSERT ON `kb_article_tags` BEGIN
  UPDATE kb_fts SET tags = (SELECT coalesce(group_concat(tag, ' '), '') FROM kb_article_tags WHERE article_id = new.article_id AND deleted_hlc IS NULL)
  WHERE rowid = (SELECT rowid FROM kb_articles WHERE id = new.article_id);
END;
--> statement-breakpoint
CREATE TRIGGER `kb_article_tags_fts_au` AFTER UPDATE ON `kb_article_tags` BEGIN
  UPDATE kb_fts SET tags = (SELECT coalesce(group_concat(tag, ' '), '') FROM kb_article_tags WHERE article_id = new.article_id AND deleted_hlc IS NULL)
  WHERE rowid = (SELECT rowid FROM kb_articles WHERE id = new.article_id);
END;
