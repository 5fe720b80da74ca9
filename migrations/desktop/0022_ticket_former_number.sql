ALTER TABLE `tickets` ADD `former_number` text;--> statement-breakpoint
-- The number a ticket was first shown with stays findable on every device, whichever way the row
-- arrives (created here, pulled, moved back into a site): an alias kept by the store itself.
CREATE TRIGGER `tickets_former_number_ai` AFTER INSERT ON `tickets`
WHEN NEW.`former_number` IS NOT NULL AND NEW.`former_number` <> NEW.`number`
BEGIN
  INSERT INTO `ticket_number_aliases` (`number`, `ticket_id`, `replaced_at`) VALUES (NEW.`former_number`, NEW.`id`, NEW.`updated_at`) ON CONFLICT DO NOTHING;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_former_number_au` AFTER UPDATE OF `former_number` ON `tickets`
WHEN NEW.`former_number` IS NOT NULL AND NEW.`former_number` <> NEW.`number`
BEGIN
  INSERT INTO `ticket_number_aliases` (`number`, `ticket_id`, `replaced_at`) VALUES (NEW.`former_number`, NEW.`id`, NEW.`updated_at`) ON CONFLICT DO NOTHING;
END;
