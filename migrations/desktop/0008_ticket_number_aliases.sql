-- Ticket numbers a ticket carried on this device before the server replaced them (provisional or
-- clashing numbers given offline). Device-local, never synced: people wrote the old number on
-- notes and in e-mails, so search and number lookup still find the ticket by it.
CREATE TABLE `ticket_number_aliases` (
  `number` text NOT NULL,
  `ticket_id` text NOT NULL,
  `replaced_at` text NOT NULL,
  PRIMARY KEY (`number`, `ticket_id`)
);
--> statement-breakpoint
CREATE INDEX `ticket_number_aliases_ticket_idx` ON `ticket_number_aliases` (`ticket_id`);
