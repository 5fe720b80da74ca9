/**
 * Name → record lookups for imports (people, locations, software products). Unknown names become
 * pending records that are created only when the import commits, so a dry run writes nothing.
 */
import type Database from 'better-sqlite3';
import { ownCopy } from '../../core/own-string';
import type { WriteScope } from '../../core/write';
import { createRecord, setMember, storeOf } from '../../core/record';
import { uuidv7 } from '../../../../shared/ids';
import { GLOBAL_SCOPE } from '../../directory/scopes';
import { memberRowId } from '../../directory/users';

/** Imported people cannot sign in until an administrator sets a password (verifyPassword rejects this). */
export const NO_PASSWORD = 'imported$no-password';

const PENDING = 'new:';
export const isPending = (ref: string) => ref.startsWith(PENDING);

export function usernameFrom(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, '.')
    .replace(/[^a-z0-9._@-]/g, '')
    .slice(0, 64);
}

export interface PersonHint {
  username?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  fullName?: string;
}

interface PendingPerson {
  username: string;
  displayName: string;
  email: string | null;
  active: boolean;
}

export class People {
  private byUsername = new Map<string, string>();
  private byEmail = new Map<string, string>();
  private byName = new Map<string, string>();
  readonly pending = new Map<string, PendingPerson>();
  private created = new Map<string, string>();

  /**
   * @param mayCreate People records are the administrator's (the sync server refuses them from
   * anyone else): for other roles an unknown person is reported instead of created.
   */
  constructor(
    private sqlite: Database.Database,
    readonly mayCreate = true,
  ) {
    const rows = sqlite.prepare('SELECT id, username, email, display_name AS name FROM users WHERE deleted_hlc IS NULL').all() as {
      id: string;
      username: string;
      email: string | null;
      name: string;
    }[];
    for (const r of rows) {
      this.byUsername.set(r.username.toLowerCase(), r.id);
      if (r.email) this.byEmail.set(r.email.toLowerCase(), r.id);
      this.byName.set(r.name.toLowerCase(), r.id);
    }
  }

  existingByUsername(username: string): string | null {
    return this.byUsername.get(username.toLowerCase()) ?? null;
  }

  /** An id, a pending ref, or null when the hint names nobody. */
  resolve(h: PersonHint, create = true): string | null {
    const username = h.username?.trim().toLowerCase();
    const email = h.email?.trim().toLowerCase();
    const name = (h.fullName?.trim() || [h.firstName?.trim(), h.lastName?.trim()].filter(Boolean).join(' ')).trim();
    if (username && this.byUsername.has(username)) return this.byUsername.get(username)!;
    if (email && this.byEmail.has(email)) return this.byEmail.get(email)!;
    if (!username && !email && name && this.byName.has(name.toLowerCase())) return this.byName.get(name.toLowerCase())!;
    // A mapped "assigned to" column often holds usernames.
    if (!username && !email && name && this.byUsername.has(name.toLowerCase())) return this.byUsername.get(name.toLowerCase())!;
    if (!username && !email && !name) return null;
    if (!create || !this.mayCreate) return null;
    const uname = usernameFrom(username || email || name);
    if (uname.length < 2) return null;
    if (this.byUsername.has(uname)) return this.byUsername.get(uname)!;
    // Kept as their own copies: the cells they came from would keep their chunk of a large file alive.
    if (!this.pending.has(uname)) this.pending.set(ownCopy(uname), { username: ownCopy(uname), displayName: ownCopy(name || uname), email: email ? ownCopy(email) : null, active: true });
    return PENDING + uname;
  }

  addPending(p: PendingPerson): string {
    this.pending.set(p.username, p);
    return PENDING + p.username;
  }

  /** Creates pending people (as requesters of `siteId`) and returns the id behind a ref. */
  commit(w: WriteScope, siteId: string): void {
    for (const p of this.pending.values()) {
      const id = uuidv7();
      const fields = { username: p.username, display_name: p.displayName, email: p.email, role: 'requester', active: p.active ? 1 : 0 };
      const store = storeOf(this.sqlite);
      createRecord(store, w, 'users', id, GLOBAL_SCOPE, { ...fields, password_hash: NO_PASSWORD });
      setMember(store, w, 'user_sites', memberRowId('user_sites', id, siteId), GLOBAL_SCOPE, { user_id: id, site_id: siteId }, true);
      this.created.set(p.username, id);
      this.byUsername.set(p.username, id);
    }
    this.pending.clear();
  }

  id(ref: string | null): string | null {
    if (!ref) return null;
    return isPending(ref) ? (this.created.get(ref.slice(PENDING.length)) ?? null) : ref;
  }
}

interface PendingPlace {
  name: string;
  siteId: string;
  parentRef: string | null;
  address: string | null;
}

export class Places {
  /** "siteId|parentId|name" and plain "name" → id */
  private byName = new Map<string, string>();
  readonly pending = new Map<string, PendingPlace>();
  private created = new Map<string, string>();
  private siteCache = new Map<string, string | null>();

  constructor(
    private sqlite: Database.Database,
    private defaultSite: string,
  ) {
    const rows = sqlite.prepare('SELECT id, name, scope_id AS siteId, parent_id AS parentId FROM locations WHERE deleted_hlc IS NULL ORDER BY created_at').all() as {
      id: string;
      name: string;
      siteId: string;
      parentId: string | null;
    }[];
    for (const r of rows) {
      const k = r.name.trim().toLowerCase();
      // The default site's location wins a name shared across sites.
      if (!this.byName.has(k) || r.siteId === defaultSite) this.byName.set(k, r.id);
      this.byName.set(`${r.siteId}|${r.parentId ?? ''}|${k}`, r.id);
    }
  }

  find(name: string): string | null {
    return this.byName.get(name.trim().toLowerCase()) ?? null;
  }

  findUnder(name: string, siteId: string, parentRef: string | null): string | null {
    return this.byName.get(`${siteId}|${parentRef ?? ''}|${name.trim().toLowerCase()}`) ?? null;
  }

  /** The location called `name` (any site), creating a top-level one at the default site. */
  resolve(name: string): string | null {
    const n = name.trim();
    if (!n) return null;
    const hit = this.find(n);
    if (hit) return hit;
    const key = n.toLowerCase();
    if (!this.pending.has(key)) this.pending.set(ownCopy(key), { name: ownCopy(n), siteId: this.defaultSite, parentRef: null, address: null });
    return PENDING + key;
  }

  addPending(key: string, p: PendingPlace): string {
    this.pending.set(key, p);
    return PENDING + key;
  }

  commit(w: WriteScope): void {
    for (const [key, p] of this.pending) {
      const id = uuidv7();
      const parentId = p.parentRef ? this.id(p.parentRef) : null;
      const row = { name: p.name, kind: 'building', parent_id: parentId, address: p.address };
      createRecord(storeOf(this.sqlite), w, 'locations', id, p.siteId, row);
      this.created.set(key, id);
    }
    this.pending.clear();
  }

  id(ref: string | null): string | null {
    if (!ref) return null;
    return isPending(ref) ? (this.created.get(ref.slice(PENDING.length)) ?? null) : ref;
  }

  siteOf(ref: string | null): string | null {
    if (!ref) return null;
    if (isPending(ref)) return this.pending.get(ref.slice(PENDING.length))?.siteId ?? this.defaultSite;
    let site = this.siteCache.get(ref);
    if (site === undefined) {
      site = (this.sqlite.prepare('SELECT scope_id FROM locations WHERE id = ?').pluck().get(ref) as string | undefined) ?? null;
      this.siteCache.set(ref, site);
    }
    return site;
  }
}
