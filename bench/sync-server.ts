/**
 * The central server of `npm run bench:sync`, in its own process as users meet it: the device's
 * event loop then carries only the device's work (building a page or judging a push is the
 * server's, on another core). Started by startServerProcess() below; commands over the IPC channel.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../src/testing/sync-harness';
import { ticketRecords } from './sync-records';

type Command = { type: 'seed'; count: number; siteId: string; startNumber: number; seed: number } | { type: 'close' };

export interface ServerProcess {
  url: string;
  /** Writes `count` generated tickets of `siteId` straight into the server's store (others' work). */
  seed(count: number, siteId: string, startNumber: number, seed: number): Promise<void>;
  close(): Promise<void>;
}

export function startServerProcess(): Promise<ServerProcess> {
  // OUTPOST_BENCH_SERVER_NODE_ARGS: extra node options for the server process (`--cpu-prof --cpu-prof-dir D` to profile it).
  const extra = (process.env.OUTPOST_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: ((m: { type: string; url?: string; error?: string }) => void)[] = [];
  child.on('message', (m: { type: string; url?: string; error?: string }) => replies.shift()?.(m));
  const next = () =>
    new Promise<{ type: string; url?: string }>((resolve, reject) => {
      replies.push((m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    });
  const ask = (c: Command) => {
    const p = next();
    child.send(c);
    return p;
  };
  return next().then((ready) => ({
    url: ready.url!,
    seed: async (count, siteId, startNumber, seed) => void (await ask({ type: 'seed', count, siteId, startNumber, seed })),
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      await ask({ type: 'close' });
      await exited;
    },
  }));
}

async function serve() {
  const server: TestServer = await startTestServer();
  const send = (m: unknown) => process.send!(m);
  // The benchmark ended (or died) without closing: nothing is left running.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (c: Command) => {
    void (async () => {
      try {
        if (c.type === 'seed') {
          const recs = ticketRecords(c.count, c.siteId, c.startNumber, c.seed);
          await server.store.withSyncTx(async (tx) => tx.writeRecords(recs));
          send({ type: 'seeded' });
        } else {
          await server.close();
          send({ type: 'closed' });
          process.exit(0);
        }
      } catch (e) {
        send({ type: 'error', error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  send({ type: 'ready', url: server.url });
}

if (process.argv.includes('--serve')) void serve();
