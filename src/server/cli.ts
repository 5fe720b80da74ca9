/**
 * `npm run server -- --port P --data-dir D`: the central sync server. Embedded SQLite store by
 * default; DATABASE_URL=postgres://… runs it on PostgreSQL. `npm run server -- admin create` adds
 * an administrator interactively.
 */
import path from 'node:path';
import readline from 'node:readline/promises';
import { uuidv7 } from '../shared/ids';
import { ensureAdmin, hashPassword } from './auth';
import { startServer } from './http';
import { openStore } from './store/open';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const dataDir = path.resolve(arg('data-dir') ?? process.env.OUTPOST_SERVER_DATA ?? 'outpost-server-data');
  const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir });
  await store.migrate();

  if (process.argv.includes('admin') && process.argv.includes('create')) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const username = (await rl.question('Administrator username: ')).trim().toLowerCase();
    const password = await rl.question('Password (8+ characters): ');
    rl.close();
    if (username.length < 2 || password.length < 8) throw new Error('Give a username of 2+ characters and a password of 8+ characters.');
    await store.createUser({ id: uuidv7(), username, passwordHash: hashPassword(password), role: 'admin', sites: null, active: true });
    console.log(`Administrator ${username} created.`);
    await store.close();
    return;
  }

  const admin = await ensureAdmin(store, process.env.OUTPOST_ADMIN_USER, process.env.OUTPOST_ADMIN_PASSWORD);
  if (admin === 'missing') console.log('No users yet: set OUTPOST_ADMIN_USER and OUTPOST_ADMIN_PASSWORD, or run `npm run server -- admin create`.');
  if (admin === 'created') console.log(`Administrator ${process.env.OUTPOST_ADMIN_USER} created.`);
  const port = Number(arg('port') ?? process.env.PORT ?? 4800);
  const verbose = !!process.env.OUTPOST_SERVER_VERBOSE;
  const srv = await startServer(store, {
    port,
    host: arg('host') ?? '127.0.0.1',
    log: (msg, extra) => {
      if (verbose || msg !== 'push') console.error(JSON.stringify({ msg, ...extra }));
    },
  });
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
