/**
 * The PouchDB side of `npm run bench:sync -- --only initial --pouchdb`: the same ticket-shaped
 * documents Outpost's initial sync pulls, served by express-pouchdb 4.2 on loopback (in a process
 * of its own, as Outpost's server is), pulled by a fresh PouchDB 9 (`replicate.from`). Prints one
 * JSON object. Its packages live in this folder only (`npm install --prefix bench/pouchdb-peer`,
 * which the bench runs when they are missing): Outpost itself never depends on them.
 *
 * Both databases use the in-memory adapter (pouchdb-adapter-memory): the on-disk LevelDB adapter
 * needs a native build the machine may not have. Writing to memory only helps PouchDB's figure.
 *
 * Usage: node bench/pouchdb-peer/peer.mjs <docs.ndjson> [--batch-size N]
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import PouchDB from 'pouchdb-core';
import adapterHttp from 'pouchdb-adapter-http';
import adapterMemory from 'pouchdb-adapter-memory';
import mapreduce from 'pouchdb-mapreduce';
import replication from 'pouchdb-replication';

PouchDB.plugin(adapterHttp).plugin(adapterMemory).plugin(mapreduce).plugin(replication);
const MemoryPouch = PouchDB.defaults({ adapter: 'memory' });

async function readDocs(file) {
  const docs = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line) docs.push(JSON.parse(line));
  return docs;
}

/** The server process: loads the documents into express-pouchdb's database, then listens on loopback. */
async function serve(file) {
  const { default: express } = await import('express');
  const { default: expressPouchdb } = await import('express-pouchdb');
  const app = express();
  app.use('/', expressPouchdb(MemoryPouch, { mode: 'minimumForPouchDB', inMemoryConfig: true, logPath: '/dev/null' }));
  const db = new MemoryPouch('tickets');
  const docs = await readDocs(file);
  for (let i = 0; i < docs.length; i += 5000) await db.bulkDocs(docs.slice(i, i + 5000));
  const server = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port, docs: docs.length }));
  process.on('disconnect', () => process.exit(0));
}

function startServer(file) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--serve', file], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve({ ...m, child }));
    child.once('exit', (code) => reject(new Error(`the express-pouchdb server stopped (exit code ${code})`)));
  });
}

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: peer.mjs <docs.ndjson> [--batch-size N]');
  const i = process.argv.indexOf('--batch-size');
  const batchSize = i > 0 ? Number(process.argv[i + 1]) : undefined;
  const server = await startServer(file);
  const local = new MemoryPouch(`pull-${Date.now()}`);
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const t0 = performance.now();
  // The remote through the http adapter (the memory default applies to local databases only).
  const remote = new PouchDB(`http://127.0.0.1:${server.port}/tickets`, { adapter: 'http' });
  const result = await local.replicate.from(remote, batchSize ? { batch_size: batchSize } : {});
  const seconds = (performance.now() - t0) / 1000;
  stalls.disable();
  const info = await local.info();
  server.child.disconnect();
  console.log(
    JSON.stringify({
      pouchdb: '9.0.0 (memory adapter)',
      server: 'express-pouchdb 4.2.0 (memory adapter), own process, loopback',
      docs: server.docs,
      received: info.doc_count,
      docsWritten: result.docs_written,
      batchSize: batchSize ?? 100,
      seconds: +seconds.toFixed(2),
      maxEventLoopStallMs: +(stalls.max / 1e6).toFixed(1),
    }),
  );
}

if (process.argv[2] === '--serve') void serve(process.argv[3]);
else
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
