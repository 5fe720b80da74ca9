/**
 * A device's family: the devices forked from the same store (POST /auth/device/fork registers a
 * copied or restored store under a new id, naming the device it continues). Revoking one revokes
 * them all: an administrator revoking a lost laptop cannot know a copy of its store lives on.
 */
export interface FamilyRow {
  id: string;
  forked_from: string | null;
}

export const FAMILY_SQLITE =
  'SELECT id, forked_from FROM devices WHERE forked_from IN (SELECT value FROM json_each(?)) OR id IN (SELECT value FROM json_each(?))';
export const FAMILY_PG = 'SELECT id, forked_from FROM devices WHERE forked_from = ANY($1::text[]) OR id = ANY($1::text[])';

/** Every device linked to `id` by forks, either way, `id` included. */
export async function deviceFamily(id: string, linked: (frontier: string[]) => FamilyRow[] | Promise<FamilyRow[]>): Promise<string[]> {
  const seen = new Set([id]);
  for (let frontier = [id]; frontier.length; ) {
    const next: string[] = [];
    for (const r of await linked(frontier)) {
      for (const x of [r.id, r.forked_from]) {
        if (x && !seen.has(x)) {
          seen.add(x);
          next.push(x);
        }
      }
    }
    frontier = next;
  }
  return [...seen];
}
