-- Search as you type: the number and title of every ticket in a small index of their own, with
-- prefix indexes for prefixes of 2 to 6 characters, so the word still being typed is matched
-- without merging the postings of every word it could become across all tickets' text (the
-- full-text index, tickets_fts, keeps every word of the title, description and comments).
-- It reads the text from the tickets table (external content) and stores no positions.
CREATE VIRTUAL TABLE `tickets_title_fts` USING fts5(number, title, content='tickets', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6', detail=column);
--> statement-breakpoint
INSERT INTO `tickets_title_fts` (`tickets_title_fts`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `tickets_title_fts_ai` AFTER INSERT ON `tickets` BEGIN
  INSERT INTO tickets_title_fts (rowid, number, title) VALUES (new.rowid, new.number, new.title);
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_title_fts_au` AFTER UPDATE OF number, title ON `tickets` BEGIN
  INSERT INTO tickets_title_fts (tickets_title_fts, rowid, number, title) VALUES ('delete', old.rowid, old.number, old.title);
  INSERT INTO tickets_title_fts (rowid, number, title) VALUES (new.rowid, new.number, new.title);
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_title_fts_ad` AFTER DELETE ON `tickets` BEGIN
  INSERT INTO tickets_title_fts (tickets_title_fts, rowid, number, title) VALUES ('delete', old.rowid, old.number, old.title);
END;
--> statement-breakpoint
-- An edit no longer merges index segments inside its own transaction (FTS5's automerge did up to
-- a few hundred pages of that work in whichever write came next): the store merges them while the
-- app is idle (services/search/maintenance.ts). crisismerge stays as the bound on unmerged segments.
INSERT INTO `tickets_fts` (`tickets_fts`, `rank`) VALUES ('automerge', 0);
--> statement-breakpoint
INSERT INTO `tickets_title_fts` (`tickets_title_fts`, `rank`) VALUES ('automerge', 0);
