-- Full-text search over tickets: number, title, description and all comments, kept in step by triggers.
CREATE VIRTUAL TABLE `tickets_fts` USING fts5(number, title, description, comments, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ai` AFTER INSERT ON `tickets` BEGIN
  INSERT INTO tickets_fts (rowid, number, title, description, comments) VALUES (new.rowid, new.number, new.title, new.description, '');
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_au` AFTER UPDATE OF number, title, description ON `tickets` BEGIN
  UPDATE tickets_fts SET number = new.number, title = new.title, description = new.description WHERE rowid = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ad` AFTER DELETE ON `tickets` BEGIN
  DELETE FROM tickets_fts WHERE rowid = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_comments_fts_ai` AFTER INSERT ON `ticket_comments` BEGIN
  UPDATE tickets_fts SET comments = comments || char(10) || new.body WHERE rowid = (SELECT rowid FROM tickets WHERE id = new.ticket_id);
END;
