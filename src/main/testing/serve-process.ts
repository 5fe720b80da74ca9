/**
 * The browser host as a real process (`npm run serve`'s entry, scripts/serve.mjs), for tests that stop,
 * kill and restart it on the same data folder and look at what it left on disk.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** A host process as started, before it has necessarily opened its store. */
export interface Spawned extends Running {
  /** Resolves once the host printed `text` (on either stream); rejects if it exits first or after `ms`. */
  waitFor(text: string, ms?: number): Promise<void>;
}

/**
 * Starts `npm run serve -- --no-build --port P --data-dir D [--passphrase-file F]` without waiting for
 * it. `env` is added to the host's environment (crash tests set OUTPOST_TEST and OUTPOST_FAULT_AT:
 * src/main/db/fault-point.ts).
 */
export async function spawnServe(dataDir: string, passphraseFile: string | null, env: Record<string, string> = {}): Promise<Spawned> {
  const port = await freePort();
  const args = ['scripts/serve.mjs', '--no-build', '--port', String(port), '--data-dir', dataDir, ...(passphraseFile ? ['--passphrase-file', passphraseFile] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const waitFor = (text: string, ms = 90_000) =>
    new Promise<void>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        child.off('exit', exited);
        fn();
      };
      const check = () => {
        if (out.includes(text)) done(resolve);
      };
      const exited = (code: number | null) => done(() => reject(new Error(`the host exited (${code}) before printing "${text}": ${out}`)));
      const timer = setTimeout(() => done(() => reject(new Error(`the host did not print "${text}" in time: ${out}`))), ms);
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', exited);
      check();
    });
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, waitFor };
}

/** `npm run serve -- --no-build --port P --data-dir D [--passphrase-file F]`, resolved once it prints its URL. */
export async function serve(dataDir: string, passphraseFile: string | null, env: Record<string, string> = {}): Promise<Running> {
  const s = await spawnServe(dataDir, passphraseFile, env);
  await s.waitFor(s.url);
  return s;
}

/** Runs the host to the end and returns what it printed (for a start that must fail). */
export function serveFails(dataDir: string, passphraseFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/serve.mjs', '--no-build', '--port', '0', '--data-dir', dataDir, '--passphrase-file', passphraseFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, output: out }));
  });
}

export async function stop(r: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise((res) => r.child.once('exit', res));
  try {
    process.kill(-r.child.pid!, signal);
  } catch {
    /* already gone */
  }
  await exited;
}

export async function call<T>(r: Running, name: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${r.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${name}: ${body.error?.message}`);
  return body.value as T;
}

/** Every file under the folder that starts with SQLite's header or holds one of the texts. */
export function readableFiles(dir: string, texts: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const b = fs.readFileSync(p);
        if (b.subarray(0, HEADER.length).equals(HEADER)) found.push(`${path.relative(dir, p)} (SQLite header)`);
        for (const t of texts) if (b.includes(Buffer.from(t, 'utf8'))) found.push(`${path.relative(dir, p)} (holds "${t}")`);
      }
    }
  };
  walk(dir);
  return found;
}

export function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}


/** POST /api/<name> and the raw answer (status and body), for calls that must be refused. */
export async function reply<T = unknown>(r: Running, name: string, input: unknown, token?: string): Promise<{ status: number; body: { ok: boolean; value?: T; error?: { code: string; message: string } } }> {
  const res = await fetch(`${r.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: T; error?: { code: string; message: string } } };
}
