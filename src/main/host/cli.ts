/** `npm run serve -- --port P --data-dir D [--host H] [--passphrase-file F] [--cipher C]`: runs the browser host. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, startRuntime, type StartedRuntime } from '../runtime';
import { LockedStore, startsLocked } from './unlock';
import { startHost } from './server';
import { parseCliOptions } from './cli-options';
import { connectionCipher, parseCipher, passphraseKey, readPassphraseFile, STORE_CIPHERS, type StoreCipher } from '../db/store-key';

export interface ServeArgs {
  port: number;
  host: string;
  dataDir: string;
  staticDir: string;
  /** A file whose first line is the store's passphrase (the store is then encrypted). */
  passphraseFile: string | null;
  /** The cipher to encrypt the store with (recorded for it; absent: as recorded, else AEGIS-256X4). */
  cipher: StoreCipher | null;
}

const USAGE = `Usage: npm run serve -- --port P --data-dir D [--host 127.0.0.1] [--passphrase-file F] [--cipher ${STORE_CIPHERS.join('|')}]`;

export function parseServeArgs(argv: string[]): ServeArgs {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const args: ServeArgs = {
    port: Number(process.env.OUTPOST_PORT ?? 4173),
    host: process.env.OUTPOST_HOST ?? '127.0.0.1',
    dataDir: defaultDataDir(),
    staticDir: path.resolve(here, '../../../dist/renderer'),
    passphraseFile: process.env.OUTPOST_PASSPHRASE_FILE ? path.resolve(process.env.OUTPOST_PASSPHRASE_FILE) : null,
    cipher: process.env.OUTPOST_CIPHER ? parseCipher(process.env.OUTPOST_CIPHER, 'OUTPOST_CIPHER') : null,
  };
  const port = (v: string) => (args.port = Number(v));
  parseCliOptions(argv, {
    usage: USAGE,
    options: {
      '--port': port,
      '-p': port,
      '--data-dir': (v) => (args.dataDir = path.resolve(v)),
      '--host': (v) => (args.host = v),
      '--static-dir': (v) => (args.staticDir = path.resolve(v)),
      '--passphrase-file': (v) => (args.passphraseFile = path.resolve(v)),
      '--cipher': (v) => (args.cipher = parseCipher(v, '--cipher')),
    },
    inline: ['--port', '--data-dir', '--passphrase-file', '--cipher'],
    missingValue: (option) => `${option} needs a value`,
  });
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error('--port must be a number from 0 to 65535');
  return args;
}

export async function serve(argv: string[]) {
  const args = parseServeArgs(argv);
  const key = args.passphraseFile ? passphraseKey(args.dataDir, readPassphraseFile(args.passphraseFile)) : null;
  // An encrypted store and no passphrase file: the host starts locked and the console asks for it.
  let rt: StartedRuntime | null = null;
  const source =
    !key && startsLocked(args.dataDir)
      ? new LockedStore(
          args.dataDir,
          (k) => (rt = startRuntime({ dataDir: args.dataDir, key: k, cipher: args.cipher, canProtect: true })),
          Date.now,
          (msg) => console.warn(msg),
        )
      : (rt = startRuntime({ dataDir: args.dataDir, key, cipher: args.cipher, canProtect: true }));
  const host = await startHost(source, { port: args.port, host: args.host, staticDir: args.staticDir });
  const state = source instanceof LockedStore ? 'encrypted, locked: open the console and enter the passphrase' : key ? `encrypted with ${connectionCipher((rt as StartedRuntime | null)!.store.sqlite) ?? 'its key'}` : 'NOT encrypted: choose a passphrase in the console or give --passphrase-file to encrypt it';
  console.log(`Outpost console: ${host.url}  (data: ${args.dataDir}, ${state})`);
  const stop = async () => {
    await host.close();
    (rt as StartedRuntime | null)?.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  serve(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`Outpost could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
