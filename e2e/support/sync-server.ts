/** Starts the central sync server (`src/server/cli.ts`) on a data directory; restartable on the same port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SyncServer {
  url: string;
  port: number;
  /** Kills the process (the data stays), as if the server went away. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /**
   * Starts it again on the same data but another port, out of the devices' reach, and returns that
   * address: an administrator can change things there while the devices still count as offline.
   */
  restartAside(): Promise<string>;
  dispose(): Promise<void>;
}

export const SERVER_ADMIN = { username: 'admin', password: 'server-pass-1' };

function launch(dataDir: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  // `node --import tsx` keeps the server in this one process, so a kill really stops it (the tsx CLI
  // would leave its own child holding the port).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server/cli.ts'), '--port', String(port), '--data-dir', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: '', OUTPOST_ADMIN_USER: SERVER_ADMIN.username, OUTPOST_ADMIN_PASSWORD: SERVER_ADMIN.password },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The sync server did not start:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The sync server exited with ${code}:\n${out}`));
    });
  });
}

export async function startSyncServer(): Promise<SyncServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'outpost-e2e-srv-'));
  const first = await launch(dataDir, 0);
  let child = first.child;
  const port = first.port;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      ({ child } = await launch(dataDir, port));
    },
    restartAside: async () => {
      await stop();
      const aside = await launch(dataDir, 0);
      child = aside.child;
      return `http://127.0.0.1:${aside.port}`;
    },
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
