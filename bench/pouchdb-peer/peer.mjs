/**
 * The PouchDB side of `npm run bench:sync -- --only initial --pouchdb`: the same ticket-shaped
 * documents Outpost's initial sync pulls, served by express-pouchdb 4.2 on loopback (in a process
 * of its own, as Outpost's server is), pulled by a fresh PouchDB 9 (`replicate.from`). Prints one
 * JSON object. Its packages live in this folder only (`npm install --prefix bench/pouchdb-peer`,
 * which the bench runs when they are missing): Outpost itself never depends on them.
 *
 * `--adapter leveldb` (the default): both databases on disk in LevelDB (pouchdb-adapter-leveldb,
 * PouchDB's default adapter in Node, as it is deployed), in a folder of their own that is removed
 * afterwards; leveldown loads its prebuilt binary, nothing is compiled. `--adapter memory`: both
 * databases in memory (pouchdb-adapter-memory), which writes nothing to disk and so only helps
 * PouchDB's figure against a store on disk.
 *
 * Usage: node bench/pouchdb-peer/peer.mjs <docs.ndjson> [--adapter leveldb|memory] [--batch-size N]
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import PouchDB from 'pouchdb-core';
import adapterHttp from 'pouchdb-adapter-http';
import adapterLeveldb from 'pouchdb-adapter-leveldb';
import adapterMemory from 'pouchdb-adapter-memory';
import mapreduce from 'pouchdb-mapreduce';
import replication from 'pouchdb-replication';

PouchDB.plugin(adapterHttp).plugin(adapterLeveldb).plugin(adapterMemory).plugin(mapreduce).plugin(replication);

const ADAPTERS = {
  leveldb: { pouchdb: '9.0.0 (LevelDB adapter, on disk)', server: 'express-pouchdb 4.2.0 (LevelDB adapter, on disk), own process, loopback' },
  memory: { pouchdb: '9.0.0 (memory adapter)', server: 'express-pouchdb 4.2.0 (memory adapter), own process, loopback' },
};

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** PouchDB whose local databases use `adapter`; LevelDB ones live under `dir`. */
function pouchFor(adapter, dir) {
  if (!ADAPTERS[adapter]) throw new Error(`--adapter must be leveldb or memory, not ${adapter}`);
  return adapter === 'leveldb' ? PouchDB.defaults({ adapter, prefix: `${dir}/` }) : PouchDB.defaults({ adapter });
}

async function readDocs(file) {
  const docs = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line) docs.push(JSON.parse(line));
  return docs;
}

/** The server process: loads the documents into express-pouchdb's database, then listens on loopback. */
async function serve(file, adapter, dir) {
  const { default: express } = await import('express');
  const { default: expressPouchdb } = await import('express-pouchdb');
  const ServerPouch = pouchFor(adapter, dir);
  const app = express();
  app.use('/', expressPouchdb(ServerPouch, { mode: 'minimumForPouchDB', inMemoryConfig: true, logPath: '/dev/null' }));
  const db = new ServerPouch('tickets');
  const docs = await readDocs(file);
  for (let i = 0; i < docs.length; i += 5000) await db.bulkDocs(docs.slice(i, i + 5000));
  const server = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port, docs: docs.length }));
  process.on('disconnect', () => process.exit(0));
}

function startServer(file, adapter, dir) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--serve', file, adapter, dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve({ ...m, child }));
    child.once('exit', (code) => reject(new Error(`the express-pouchdb server stopped (exit code ${code})`)));
  });
}

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: peer.mjs <docs.ndjson> [--adapter leveldb|memory] [--batch-size N]');
  const adapter = option('adapter') ?? 'leveldb';
  const batchSize = option('batch-size') ? Number(option('batch-size')) : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-pouchdb-'));
  try {
    await pull(file, adapter, dir, batchSize);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function pull(file, adapter, dir, batchSize) {
  const LocalPouch = pouchFor(adapter, path.join(dir, 'device'));
  fs.mkdirSync(path.join(dir, 'server'));
  fs.mkdirSync(path.join(dir, 'device'));
  const server = await startServer(file, adapter, path.join(dir, 'server'));
  const local = new LocalPouch('pull');
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const t0 = performance.now();
  // The remote through the http adapter (the adapter default applies to local databases only).
  const remote = new PouchDB(`http://127.0.0.1:${server.port}/tickets`, { adapter: 'http' });
  const result = await local.replicate.from(remote, batchSize ? { batch_size: batchSize } : {});
  const seconds = (performance.now() - t0) / 1000;
  stalls.disable();
  const info = await local.info();
  await local.close();
  server.child.disconnect();
  await new Promise((resolve) => (server.child.exitCode === null ? server.child.once('exit', resolve) : resolve()));
  console.log(
    JSON.stringify({
      adapter,
      ...ADAPTERS[adapter],
      docs: server.docs,
      received: info.doc_count,
      docsWritten: result.docs_written,
      batchSize: batchSize ?? 100,
      seconds: +seconds.toFixed(2),
      maxEventLoopStallMs: +(stalls.max / 1e6).toFixed(1),
    }),
  );
}

if (process.argv[2] === '--serve') void serve(process.argv[3], process.argv[4], process.argv[5]);
else
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
