/**
 * Joining a server while an import holds the store's write gate: the join's writes (server URL,
 * credentials, user) wait for the import instead of blocking the main thread on SQLite's lock,
 * then land; leaving waits the same way.
 */
import { afterEach, expect, it } from 'vitest';
import { makeWorld, type World } from '../testing';
import { writeGate } from '../db/write-gate';
import { getMeta } from '../services/core/meta';
import { SyncClient } from './client';
import type { SyncTransport } from './transport';

let w: World;
let client: SyncClient | null = null;
afterEach(() => {
  client?.stop();
  w.dispose();
});

const unreachable = <T>() => Promise.reject<T>(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

it('join waits for an import holding the write gate, then records the server', async () => {
  w = makeWorld();
  const sqlite = w.store.sqlite;
  let answerLogin!: () => void;
  const loginAnswered = new Promise<void>((r) => (answerLogin = r));
  const transport: SyncTransport = {
    login: async () => {
      await loginAnswered;
      return { accessToken: 'access', refreshToken: 'refresh', expiresIn: 3600, user: { id: 'u1', username: 'tech', role: 'technician', sites: null }, deviceId: 'd1' };
    },
    // The server is unreachable after the sign-in: this test is about the join's own writes.
    push: () => unreachable(),
    pull: () => unreachable(),
    lease: () => unreachable(),
    revoke: async () => undefined,
    live: () => () => undefined,
  };
  client = new SyncClient({ store: w.store, clock: w.clock, transportFactory: () => transport });

  // An import starts while the server is still answering the sign-in.
  let finishImport!: () => void;
  const importJob = writeGate(sqlite).hold(() => new Promise<void>((r) => (finishImport = r)));
  const joining = client.join('http://sync.example.test/', 'tech', 'secret-password');
  answerLogin();
  await new Promise((r) => setTimeout(r, 20));
  expect(getMeta(sqlite, 'sync.server_url')).toBeNull();

  finishImport();
  await importJob;
  const status = await joining;
  expect(getMeta(sqlite, 'sync.server_url')).toBe('http://sync.example.test');
  expect(status).toMatchObject({ serverUrl: 'http://sync.example.test', username: 'tech' });
  expect(client.joined()).toBe(true);

  // Leaving during another import waits for it too, then forgets the server.
  client.stop();
  let finishSecond!: () => void;
  const second = writeGate(sqlite).hold(() => new Promise<void>((r) => (finishSecond = r)));
  const leaving = client.leave();
  await new Promise((r) => setTimeout(r, 20));
  expect(getMeta(sqlite, 'sync.server_url')).toBe('http://sync.example.test');
  finishSecond();
  await second;
  await leaving;
  expect(client.joined()).toBe(false);
});
