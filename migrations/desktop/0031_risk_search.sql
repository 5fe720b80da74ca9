-- Register search is "contains" on a risk's title, number or former number: a trigram index finds
-- the candidate rows (words of three or more characters), the list re-checks them with LIKE
-- (detail=none stores no positions, as the asset index of 0010 does).
CREATE VIRTUAL TABLE `risks_search` USING fts5(number, former_number, title, content='risks', content_rowid='rowid', tokenize='trigram', detail=none);
--> statement-breakpoint
INSERT INTO `risks_search` (`risks_search`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `risks_search_ai` AFTER INSERT ON `risks` BEGIN
  INSERT INTO risks_search (rowid, number, former_number, title) VALUES (new.rowid, new.number, new.former_number, new.title);
END;
--> statement-breakpoint
CREATE TRIGGER `risks_search_au` AFTER UPDATE OF number, former_number, title ON `risks` BEGIN
  INSERT INTO risks_search (risks_search, rowid, number, former_number, title) VALUES ('delete', old.rowid, old.number, old.former_number, old.title);
  INSERT INTO risks_search (rowid, number, former_number, title) VALUES (new.rowid, new.number, new.former_number, new.title);
END;
--> statement-breakpoint
CREATE TRIGGER `risks_search_ad` AFTER DELETE ON `risks` BEGIN
  INSERT INTO risks_search (risks_search, rowid, number, former_number, title) VALUES ('delete', old.rowid, old.number, old.former_number, old.title);
END;
--> statement-breakpoint
-- When each open risk with a review cadence is next due: "review overdue" reads a range of this
-- partial index instead of computing a date for every risk. The expression is the one the list
-- filters on (services/risks/risks.ts, REVIEW_DUE), which SQLite must see verbatim to use it.
CREATE INDEX `risks_review_due_idx` ON `risks` (date(coalesce(last_reviewed_on, substr(created_at, 1, 10)), '+' || review_every_days || ' days')) WHERE deleted_hlc IS NULL AND review_every_days IS NOT NULL AND status <> 'closed';
