/**
 * Row ids for set members (a relation between two assets, a licence seat given to an asset or a
 * person), the same on every device: two devices adding the same member while apart write one
 * record whose add/remove clocks merge (the server's `set` rule), instead of two rows that clash on
 * a unique index or count a seat twice when the second arrives. Removing and re-adding reuses the
 * id, so the latest add or remove wins everywhere.
 */
import { createHash } from 'node:crypto';

/**
 * A UUID (version 8) made from a hash of the table and the member's natural key. A missing key part
 * (a seat given to a person has no asset) hashes as the empty string; ids are never empty, so it
 * cannot be mistaken for one. With two parts this is the same id as memberRowId
 * (directory/users.ts) gives.
 */
export function setRowId(table: string, ...key: (string | null)[]): string {
  const h = createHash('sha256').update([table, ...key.map((k) => k ?? '')].join('\u0000')).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
