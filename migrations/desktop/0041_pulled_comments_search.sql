-- A ticket's comments can reach a device before the ticket itself: a pull brings each record at
-- its newest change, so a ticket edited after it was commented arrives after its comments. The
-- comment trigger then found no ticket to add its words to, and the ticket's own insert started
-- its search entry with no comments: those comments could not be found by a word on any device
-- that pulled them. The ticket's insert now takes in the comments already stored for it.
DROP TRIGGER IF EXISTS `tickets_fts_ai`;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ai` AFTER INSERT ON `tickets` BEGIN
  INSERT INTO tickets_fts (rowid, number, title, description, comments) VALUES (
    new.rowid, new.number, new.title, new.description,
    coalesce((SELECT group_concat(char(10) || body, '') FROM (SELECT body FROM ticket_comments WHERE ticket_id = new.id ORDER BY created_at, id)), '')
  );
END;
--> statement-breakpoint
-- Repair the search entries of tickets already pulled that way: every ticket with comments whose
-- entry does not hold exactly their text (some or all were missed) is written again.
UPDATE tickets_fts SET comments = (
  SELECT coalesce(group_concat(char(10) || body, ''), '') FROM (
    SELECT c.body FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id WHERE t.rowid = tickets_fts.rowid ORDER BY c.created_at, c.id
  )
)
WHERE rowid IN (SELECT t.rowid FROM tickets t WHERE EXISTS (SELECT 1 FROM ticket_comments c WHERE c.ticket_id = t.id))
  AND comments IS NOT (
    SELECT coalesce(group_concat(char(10) || body, ''), '') FROM (
      SELECT c.body FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id WHERE t.rowid = tickets_fts.rowid ORDER BY c.created_at, c.id
    )
  );
