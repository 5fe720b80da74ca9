import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import { dispatch, type Runtime } from './dispatch';
import { makeWorld, TEST_PASSWORD, type World } from '../testing';
import { login } from '../services/auth/sessions';
import type { AppEvent } from '../../shared/api';

let w: World;
let rt: Runtime;
let events: AppEvent[];
let logged: string;
let admin: string;
let tech: string;

beforeEach(() => {
  w = makeWorld();
  events = [];
  logged = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logged += String(chunk);
      cb();
    },
  });
  rt = { store: w.store, clock: w.clock, log: pino({ level: 'info' }, sink), emit: (e) => events.push(e) };
  w.user('technician', 'tina');
  admin = login(w.ctx(null), 'admin', TEST_PASSWORD).token;
  tech = login(w.ctx(null), 'tina', TEST_PASSWORD).token;
});
afterEach(() => w.dispose());

describe('dispatch', () => {
  it('unknown calls, missing sessions and wrong roles are refused before any input is read', () => {
    expect(dispatch(rt, 'nope.nothing', {}, admin)).toEqual({ ok: false, error: { code: 'unknown_call', message: 'There is no call named "nope.nothing".' } });
    expect(dispatch(rt, 'toString', {}, admin)).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    expect(dispatch(rt, 'tickets.list', {}, null)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(dispatch(rt, 'users.create', { junk: true }, tech)).toEqual({ ok: false, error: { code: 'forbidden', message: 'Your role (technician) cannot use users.create.' } });
  });

  it('public calls work without a session', () => {
    expect(dispatch(rt, 'setup.status', undefined, null)).toMatchObject({ ok: true, value: { initialized: true } });
  });

  it('bad input: the first issue leads the message, all issues are listed', () => {
    const r = dispatch(rt, 'tickets.create', { type: 'bug', title: '', impact: 9 }, tech);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_input');
    expect(r.error.message).toBe('type: Type must be incident or request.');
    expect(r.error.issues!.map((i) => i.path[0])).toEqual(['type', 'title', 'impact']);
    expect(events).toEqual([]);
  });

  it('a mutation announces a change with the record ids; reads and failures do not', () => {
    const r = dispatch(rt, 'tickets.create', { type: 'incident', title: 'Screen flickers' }, tech);
    expect(r.ok).toBe(true);
    const id = (r as { value: { id: string } }).value.id;
    expect(events).toEqual([{ type: 'changed', domain: 'tickets', ids: [id] }]);
    dispatch(rt, 'tickets.get', { id }, tech);
    dispatch(rt, 'tickets.transition', { id, to: 'closed' }, tech);
    expect(events).toHaveLength(1);
  });

  it('an unexpected failure is logged and answered in plain words, without internals', () => {
    w.store.sqlite.exec('DROP TABLE saved_views');
    const r = dispatch(rt, 'views.list', {}, tech);
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'Something went wrong inside Outpost. The change was not saved; details are in the log.' } });
    expect(logged).toContain('no such table: saved_views');
    expect(logged).toContain('"call":"views.list"');
  });
});
