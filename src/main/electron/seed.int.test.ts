// `npm run seed` against a temporary store: sets a new store up, then adds to it on a second run.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seed } from '../../../scripts/seed';
import { startRuntime } from '../runtime';
import { dispatch } from '../api/dispatch';

// Left in the temp folder: the runtime's log file is opened asynchronously and may still be writing.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-seed-'));

describe('seed', () => {
  it('creates the admin and a team with tickets, then adds tickets to the existing store', () => {
    const lines: string[] = [];
    const first = seed({ dataDir: dir, tickets: 120, adminPassword: 'seed-password', seed: 1 }, (l) => lines.push(l));
    expect(first.createdStore).toBe(true);
    expect(first.ticketsAdded).toBe(120);
    expect(first.totals.tickets).toBe(120);
    expect(first.totals.sites).toBeGreaterThanOrEqual(3);
    expect(first.totals.groups).toBe(5);
    expect(lines.join('\n')).toMatch(/creating the administrator "admin"/);

    const second = seed({ dataDir: dir, tickets: 30, adminPassword: 'ignored-now', seed: 2 }, () => {});
    expect(second.createdStore).toBe(false);
    expect(second.totals.tickets).toBe(150);
    expect(second.totals.sites).toBe(first.totals.sites);

    // The admin signs in with the chosen password and sees the tickets through the real API.
    const rt = startRuntime({ dataDir: dir });
    try {
      const login = dispatch(rt, 'session.login', { username: 'admin', password: 'seed-password' }, null);
      expect(login.ok).toBe(true);
      const token = login.ok ? (login.value as { token: string }).token : null;
      const page = dispatch(rt, 'tickets.list', { view: 'all_open', limit: 5 }, token);
      expect(page).toMatchObject({ ok: true });
    } finally {
      rt.close();
    }
  });
});
