import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, TEST_PASSWORD, writeFootprint, type World } from '../../testing';
import { createUser, getUser, listUsers, updateUser } from './users';
import { createGroup, listGroups } from './groups';
import { createSite, listSites } from './sites';
import { authenticate, login } from '../auth/sessions';
import { AppError } from '../../../shared/result';

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('users', () => {
  it('usernames are unique, and a clash writes nothing', () => {
    w.user('technician', 'tina');
    const before = writeFootprint(w.store);
    expect(code(() => createUser(w.ctx(w.admin), { username: 'tina', displayName: 'Other Tina', role: 'requester', password: TEST_PASSWORD }))).toBe(
      'conflict: The username "tina" is taken.',
    );
    expect(writeFootprint(w.store)).toEqual(before);
  });

  it('records sites and groups as set members', () => {
    const a = w.ctx(w.admin);
    const depot = createSite(a, { name: 'Depot' });
    const g = createGroup(a, { name: 'Field' });
    const u = createUser(a, { username: 'fay', displayName: 'Fay', role: 'technician', password: TEST_PASSWORD, siteIds: [depot.id], groupIds: [g.id] });
    expect(u.siteIds).toEqual([depot.id]);
    expect(u.groupIds).toEqual([g.id]);
    expect(listGroups(a).find((x) => x.id === g.id)!.memberIds).toEqual([u.id]);
    const moved = updateUser(a, u.id, { siteIds: [w.siteId], groupIds: [] });
    expect(moved.siteIds).toEqual([w.siteId]);
    expect(moved.groupIds).toEqual([]);
    // Removing a member soft-deletes its row (remove clock), re-adding revives the same row.
    const rows = () => w.store.sqlite.prepare('SELECT id, deleted_hlc AS d FROM group_members WHERE user_id = ?').all(u.id) as { id: string; d: string | null }[];
    expect(rows()).toHaveLength(1);
    expect(rows()[0]!.d).not.toBeNull();
    updateUser(a, u.id, { groupIds: [g.id] });
    expect(rows()).toHaveLength(1);
    expect(rows()[0]!.d).toBeNull();
    expect(listSites(a).map((s) => s.name)).toEqual(['Depot', 'Head Office']);
  });

  it('the last active administrator cannot be demoted or deactivated', () => {
    const tech = w.user('technician');
    const other = w.user('admin', 'boss');
    // An admin cannot demote themselves.
    expect(code(() => updateUser(w.ctx(w.admin), w.admin.id, { role: 'technician' }))).toMatch(/^conflict: You cannot remove your own administrator role/);
    // With two admins one may go; then the last one is protected even from another session.
    updateUser(w.ctx(other), w.admin.id, { role: 'technician' });
    const before = writeFootprint(w.store);
    expect(code(() => updateUser(w.ctx(tech), other.id, { role: 'auditor' }))).toBe('conflict: Outpost needs at least one active administrator.');
    expect(code(() => updateUser(w.ctx(tech), other.id, { active: false }))).toBe('conflict: Outpost needs at least one active administrator.');
    expect(writeFootprint(w.store)).toEqual(before);
    expect(getUser(w.ctx(other), other.id).role).toBe('admin');
  });

  it('deactivation revokes sessions and blocks sign-in', () => {
    const tech = w.user('technician', 'tina');
    const s = login(w.ctx(null), 'tina', TEST_PASSWORD);
    expect(authenticate(w, s.token)?.id).toBe(tech.id);
    updateUser(w.ctx(w.admin), tech.id, { active: false });
    expect(authenticate(w, s.token)).toBeNull();
    expect(code(() => login(w.ctx(null), 'tina', TEST_PASSWORD))).toBe('unauthenticated: This account is deactivated. Ask an administrator.');
    expect(listUsers(w.ctx(w.admin), {}).map((u) => u.username)).not.toContain('tina');
    expect(listUsers(w.ctx(w.admin), { includeInactive: true }).map((u) => u.username)).toContain('tina');
  });

  it('a role or password change revokes sessions too', () => {
    const tech = w.user('technician', 'tina');
    const s1 = login(w.ctx(null), 'tina', TEST_PASSWORD);
    updateUser(w.ctx(w.admin), tech.id, { role: 'auditor' });
    expect(authenticate(w, s1.token)).toBeNull();
    const s2 = login(w.ctx(null), 'tina', TEST_PASSWORD);
    expect(authenticate(w, s2.token)?.role).toBe('auditor');
    updateUser(w.ctx(w.admin), tech.id, { password: 'a-new-password' });
    expect(authenticate(w, s2.token)).toBeNull();
    expect(login(w.ctx(null), 'tina', 'a-new-password').user.id).toBe(tech.id);
  });
});

describe('sessions and the login throttle', () => {
  it('wrong password and unknown user get the same message', () => {
    w.user('technician', 'tina');
    expect(code(() => login(w.ctx(null), 'tina', 'nope-nope'))).toBe('unauthenticated: Wrong username or password.');
    expect(code(() => login(w.ctx(null), 'nobody', 'nope-nope'))).toBe('unauthenticated: Wrong username or password.');
  });

  it('locks a username for a minute after five failures, then lets the right password in', () => {
    w.user('technician', 'tina');
    for (let i = 0; i < 5; i++) expect(code(() => login(w.ctx(null), 'tina', 'wrong-password'))).toMatch(/^unauthenticated/);
    // Even the right password is refused while locked.
    expect(code(() => login(w.ctx(null), 'tina', TEST_PASSWORD))).toBe('rate_limited: Too many failed sign-ins. Wait a minute and try again.');
    w.clock.advance(30_000);
    expect(code(() => login(w.ctx(null), 'tina', TEST_PASSWORD))).toMatch(/^rate_limited/);
    w.clock.advance(31_000);
    expect(login(w.ctx(null), 'tina', TEST_PASSWORD).user.username).toBe('tina');
    // Success clears the counter.
    expect(w.store.sqlite.prepare("SELECT count(*) FROM login_attempts WHERE username = 'tina'").pluck().get()).toBe(0);
  });

  it('sessions expire after the idle time and slide while used', () => {
    w.user('technician', 'tina');
    const s = login(w.ctx(null), 'tina', TEST_PASSWORD);
    w.clock.advance(11 * 3600_000);
    expect(authenticate(w, s.token)).not.toBeNull(); // slides the expiry
    w.clock.advance(11 * 3600_000);
    expect(authenticate(w, s.token)).not.toBeNull();
    w.clock.advance(12 * 3600_000 + 1);
    expect(authenticate(w, s.token)).toBeNull();
    expect(authenticate(w, 'not-a-token')).toBeNull();
    expect(authenticate(w, null)).toBeNull();
  });
});
