/**
 * A device in its own process, for fault tests that kill it: `node --import tsx fault-device.ts
 * <dataDir> <serverUrl> <command>`. Commands: `join`, `sync`, `pull-slow` (small pages, one line per
 * applied page so the test can SIGKILL it mid-way), `pull-small` (the whole pull in small pages,
 * then the build of what a first sync deferred, where a fault point can stop it).
 */
import { startRuntime } from '../main/runtime';
import { createLogger } from '../main/log';
import { syncClientFor } from '../main/sync/registry';

async function main() {
  const [dataDir, serverUrl, command] = process.argv.slice(2);
  if (!dataDir || !serverUrl || !command) throw new Error('usage: fault-device <dataDir> <serverUrl> join|sync|pull-slow|pull-small');
  process.env.OUTPOST_NO_SYNC = '1';
  const rt = startRuntime({ dataDir, log: createLogger({ level: 'silent' }) });
  const client = syncClientFor(rt);
  if (command === 'join') {
    await client.join(serverUrl, process.env.OUTPOST_ADMIN_USER ?? 'admin', process.env.OUTPOST_ADMIN_PASSWORD ?? 'password123');
    client.stop();
  } else if (command === 'sync') {
    const r = await client.syncNow();
    console.log(JSON.stringify(r));
  } else if (command === 'pull-slow') {
    let pages = 0;
    for (;;) {
      const r = await client.pullPage(100);
      console.log(`page ${++pages} ${r.pulled}`);
      if (!r.more) break;
    }
    console.log('done');
  } else if (command === 'pull-small') {
    console.log(`pulled ${await client.pullAll(100)}`);
  }
  client.stop();
  rt.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
