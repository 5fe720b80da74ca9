/** Which sites a pull reads, for a device or for the portal reading as its requester. */
import { HttpError } from './engine';

/**
 * The sites to poke after a push wrote to `written`: those sites, or undefined (every stream) when
 * a record left a person's view (a `reader:` entry), whose streams cannot be told apart by site.
 */
export function pokeScopes(written: Set<string>): string[] | undefined {
  const list = [...written];
  return list.every((s) => !s.startsWith('reader:')) ? list : undefined;
}

/** Whether a live stream of someone reading `sites` (null = every site) hears of a push to `scopes`. */
export function hearsOf(sites: string[] | null, scopes: readonly string[]): boolean {
  return sites === null || scopes.some((s) => s === 'global' || sites.includes(s));
}

/**
 * The sites a pull reads. Without `requested` (comma-separated), all the user's sites and the
 * directory; with it (a device back-filling a site it just gained), only those of them the user
 * holds, so a device can never widen what it receives.
 */
export function pullScopes(userSites: string[] | null, requested: string | null): string[] | null {
  if (requested === null) return userSites === null ? null : ['global', ...userSites];
  const asked = [...new Set(requested.split(',').filter((x) => /^[A-Za-z0-9._:@-]{1,80}$/.test(x)))];
  if (!asked.length) throw new HttpError(400, 'invalid_input', 'scopes must list site ids separated by commas.');
  return userSites === null ? asked : asked.filter((x) => x === 'global' || userSites.includes(x));
}

