-- Date sorts of the asset list put assets without a date last: the keyset pages and the alert
-- ranges use coalesce(date, '9999-12-31'), and these indexes are on exactly that expression.
-- Written by hand because drizzle-kit splits index expressions at their commas.
CREATE INDEX `assets_warranty_sort_idx` ON `assets` (coalesce(`warranty_end`, '9999-12-31'), `id`);
--> statement-breakpoint
CREATE INDEX `assets_audit_sort_idx` ON `assets` (coalesce(`next_audit_at`, '9999-12-31'), `id`);
--> statement-breakpoint
CREATE INDEX `assets_status_warranty_sort_idx` ON `assets` (`status`, coalesce(`warranty_end`, '9999-12-31'), `id`);
--> statement-breakpoint
CREATE INDEX `assets_status_audit_sort_idx` ON `assets` (`status`, coalesce(`next_audit_at`, '9999-12-31'), `id`);
