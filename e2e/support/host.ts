/** Starts a real browser host (`src/main/host/cli.ts`) on a fresh data directory and a free port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RunningHost {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `dataDir`: start on a folder the caller keeps (a restart on the same store); stop() then leaves it.
 * `args`: more of the host's options (`--passphrase-file F`, `--cipher C`).
 */
export async function startHost(opts: { dataDir?: string; args?: string[] } = {}): Promise<RunningHost> {
  const staticDir = path.join(root, 'dist/renderer');
  if (!existsSync(path.join(staticDir, 'index.html'))) throw new Error('Build the renderer first: npx vite build');
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'outpost-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(root, 'node_modules/tsx/dist/cli.mjs'),
      path.join(root, 'src/main/host/cli.ts'),
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--static-dir',
      staticDir,
      ...(opts.args ?? []),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OUTPOST_LOG_LEVEL: process.env.OUTPOST_LOG_LEVEL ?? 'warn' } },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The host did not start within 30 s:\n${output}`)), 30_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The host exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls the host's API directly (to seed users and tickets without clicking through the UI). */
export async function apiCall<T>(host: RunningHost, name: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${name} failed: ${body.error?.message}`);
  return body.value as T;
}
