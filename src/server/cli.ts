/**
 * `npm run server -- --port P --data-dir D`: the central sync server. Embedded SQLite store by
 * default; DATABASE_URL=postgres://… runs it on PostgreSQL. `--tls-cert F --tls-key F` serves
 * HTTPS; a non-loopback `--host` needs them (or `--insecure-http`). Account commands:
 * `admin create`, `user list`, `user deactivate NAME`, `user reset-password NAME`, `device list`,
 * `device lost ID`.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import Database from 'better-sqlite3';
import { parseArgs } from 'node:util';
import { uuidv7 } from '../shared/ids';
import { deactivateUser, ensureAdmin, hashPassword, MIN_PASSWORD, resetPassword } from './auth';
import { startServer } from './http';
import { openStore } from './store/open';
import type { ServerStore } from './store/types';

const USAGE = `Usage:
  npm run server -- [--port P] [--host H] [--data-dir D] [--tls-cert FILE --tls-key FILE] [--insecure-http]
  npm run server -- admin create
  npm run server -- user list
  npm run server -- user deactivate USERNAME
  npm run server -- user reset-password USERNAME   (reads the new password from OUTPOST_NEW_PASSWORD, else asks)
  npm run server -- backup                         (embedded store: a checked copy in DATA_DIR/backups; PostgreSQL: use pg_dump)
  npm run server -- device list
  npm run server -- device lost DEVICE_ID          (revoked now; wiped at its next contact)`;

function parse() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'insecure-http': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, { cause: e });
  }
}

async function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

async function findByName(store: ServerStore, username: string | undefined) {
  if (!username) throw new Error(`Name the user.\n${USAGE}`);
  const user = await store.findUser(username.trim().toLowerCase());
  if (!user) throw new Error(`No server user named ${username}.`);
  return user;
}

/** The account commands; true when one ran (the server is then not started). */
async function accountCommand(store: ServerStore, positionals: string[]): Promise<boolean> {
  const [what, verb, name] = positionals;
  if (what === 'admin' && verb === 'create') {
    const username = (await ask('Administrator username: ')).trim().toLowerCase();
    const password = await ask(`Password (${MIN_PASSWORD}+ characters): `);
    if (username.length < 2 || password.length < MIN_PASSWORD)
      throw new Error(`Give a username of 2+ characters and a password of ${MIN_PASSWORD}+ characters.`);
    await store.createUser({
      id: uuidv7(),
      username,
      passwordHash: await hashPassword(password),
      role: 'admin',
      sites: null,
      active: true,
    });
    console.log(`Administrator ${username} created.`);
    return true;
  }
  if (what === 'device') return deviceCommand(store, verb, name);
  if (what === 'backup') return backupCommand(store, dataDirOf());
  if (what !== 'user') {
    if (what !== undefined) throw new Error(`Unknown command "${positionals.join(' ')}".\n${USAGE}`);
    return false;
  }
  switch (verb) {
    case 'list': {
      const users = await store.listUsers();
      if (!users.length) console.log('No users yet.');
      for (const u of users) {
        const devices = await store.listDevices(u.id);
        const live = devices.filter((d) => !d.revoked).length;
        console.log(
          [
            u.username.padEnd(24),
            u.role.padEnd(11),
            (u.active ? 'active' : 'deactivated').padEnd(12),
            `sites: ${u.sites ? u.sites.join(',') || '(none)' : 'all'}`,
            `devices: ${live} (${devices.length - live} revoked)`,
            `id: ${u.id}`,
          ].join('  '),
        );
      }
      return true;
    }
    case 'deactivate': {
      const user = await findByName(store, name);
      const out = await deactivateUser(store, user.id, null);
      // Other instances (PostgreSQL) close the user's live streams at once; an embedded-store
      // server in another process does so at its next keep-alive.
      await store.announce(await store.headSeq());
      console.log(`${out.username} deactivated; ${out.devicesRevoked} device${out.devicesRevoked === 1 ? '' : 's'} revoked.`);
      return true;
    }
    case 'reset-password': {
      const user = await findByName(store, name);
      const password = process.env.OUTPOST_NEW_PASSWORD ?? (await ask(`New password for ${user.username} (${MIN_PASSWORD}+ characters): `));
      await resetPassword(store, user.id, password);
      // Their live streams close now (PostgreSQL; an embedded-store server at its next keep-alive).
      await store.announce(await store.headSeq());
      console.log(`Password of ${user.username} changed; their devices sign in again with it.`);
      return true;
    }
    default:
      throw new Error(`Unknown user command "${verb ?? ''}".\n${USAGE}`);
  }
}

let dataDirOf: () => string = () => 'outpost-server-data';

/**
 * A backup of the embedded store while the server runs: VACUUM INTO a new file (a consistent copy),
 * then SQLite's integrity check on the copy. PostgreSQL has its own tools (pg_dump).
 */
async function backupCommand(store: ServerStore, dataDir: string): Promise<true> {
  if (store.kind !== 'sqlite') {
    throw new Error(
      'This server runs on PostgreSQL: back it up with PostgreSQL\'s own tools, e.g. pg_dump --format=custom --file outpost-$(date +%F).dump "$DATABASE_URL" (restore with pg_restore --clean --dbname "$DATABASE_URL" FILE).',
    );
  }
  const dir = path.join(dataDir, 'backups');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `outpost-server-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.db`);
  const db = new Database(path.join(dataDir, 'outpost-server.db'), { readonly: true });
  try {
    db.prepare('VACUUM INTO ?').run(file);
  } finally {
    db.close();
  }
  const copy = new Database(file, { readonly: true });
  try {
    const ok = copy.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') {
      copy.close();
      fs.rmSync(file, { force: true });
      throw new Error(`The backup did not pass SQLite's integrity check (${String(ok)}) and was removed.`);
    }
  } finally {
    if (copy.open) copy.close();
  }
  console.log(`Backup written and checked: ${file} (${fs.statSync(file).size} bytes). To restore, stop the server and copy it over ${path.join(dataDir, 'outpost-server.db')}.`);
  return true;
}

async function deviceCommand(store: ServerStore, verb: string | undefined, id: string | undefined): Promise<true> {
  if (verb === 'list') {
    const users = new Map((await store.listUsers()).map((u) => [u.id, u.username]));
    const devices = await store.listAllDevices();
    if (!devices.length) console.log('No devices yet.');
    for (const d of devices) {
      const state = d.lostAt ? `LOST ${d.lostAt}` : d.revoked ? 'revoked' : 'active';
      console.log([d.id, (users.get(d.userId) ?? d.userId).padEnd(20), d.name.padEnd(24), `last seen ${d.lastSeenAt}`, state].join('  '));
    }
    return true;
  }
  if (verb === 'lost') {
    if (!id) throw new Error(`Name the device id (npm run server -- device list shows them).\n${USAGE}`);
    if (!(await store.markDeviceLost(id.trim(), new Date().toISOString()))) throw new Error(`No device with id ${id}.`);
    await store.revokeSessions({ deviceId: id.trim() });
    // Open live streams re-check their device on the next event: this closes the lost one's now.
    await store.announce(await store.headSeq());
    console.log(`Device ${id} reported lost: its pushes are refused, and at its next contact it wipes its store. Devices continued from a copy of its store are revoked too. A device that never connects again is protected only by its encryption at rest.`);
    return true;
  }
  throw new Error(`Unknown device command "${verb ?? ''}".\n${USAGE}`);
}

async function main() {
  const { values, positionals } = parse();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dataDir = path.resolve(values['data-dir'] ?? process.env.OUTPOST_SERVER_DATA ?? 'outpost-server-data');
  dataDirOf = () => dataDir;
  const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir });
  await store.migrate();

  try {
    if (await accountCommand(store, positionals)) {
      await store.close();
      return;
    }
  } catch (e) {
    await store.close();
    throw e;
  }

  const admin = await ensureAdmin(store, process.env.OUTPOST_ADMIN_USER, process.env.OUTPOST_ADMIN_PASSWORD);
  if (admin === 'missing')
    console.log('No users yet: set OUTPOST_ADMIN_USER and OUTPOST_ADMIN_PASSWORD, or run `npm run server -- admin create`.');
  if (admin === 'created') console.log(`Administrator ${process.env.OUTPOST_ADMIN_USER} created.`);
  const port = Number(values.port ?? process.env.PORT ?? 4800);
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if (!!certFile !== !!keyFile) throw new Error('Give both --tls-cert FILE and --tls-key FILE (PEM), or neither.');
  const tls = certFile && keyFile ? { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) } : undefined;
  const verbose = !!process.env.OUTPOST_SERVER_VERBOSE;
  const srv = await startServer(store, {
    port,
    host: values.host ?? '127.0.0.1',
    tls,
    insecureHttp: !!values['insecure-http'],
    log: (msg, extra) => {
      if (verbose || msg !== 'push') console.error(JSON.stringify({ msg, ...extra }));
    },
  }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  if (!tls && values['insecure-http'])
    console.error('Warning: serving plain HTTP beyond this machine (--insecure-http): passwords and tokens cross the network readable.');
  console.log(`Outpost sync server (${store.kind} store) listening on ${srv.url}`);
  const stop = async () => {
    await srv.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
