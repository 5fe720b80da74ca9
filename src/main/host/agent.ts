/** The inventory-agent route of the browser host: POST /inventory/agent (see services/inventory/agent.ts). */
import type http from 'node:http';
import type { StartedRuntime } from '../runtime';
import { handleAgentPost } from '../services/inventory/agent';
import { writeGate } from '../db/write-gate';

export const AGENT_PATH = '/inventory/agent';
const MAX_AGENT_BODY = 32 * 1024 * 1024;

function readRaw(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_AGENT_BODY) {
        reject(Object.assign(new Error('too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function serveAgent(rt: StartedRuntime, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' });
    res.end('Inventory agents POST here.');
    return;
  }
  const header = req.headers['x-outpost-agent-token'];
  const token = url.searchParams.get('token') ?? (typeof header === 'string' ? header : null);
  let body: Buffer;
  try {
    body = await readRaw(req);
  } catch {
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The inventory is larger than 32 MB.');
    return;
  }
  // An agent's inventory is a write: it waits for an import holding the write gate.
  const reply = await writeGate(rt.store.sqlite).exclusive(() => handleAgentPost({ store: rt.store, clock: rt.clock }, body, token));
  rt.log.info({ status: reply.status, note: reply.note }, 'inventory agent');
  if (reply.status === 200 && reply.note.includes('updated')) rt.emit({ type: 'changed', domain: 'assets', ids: [] });
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': reply.body.length, 'cache-control': 'no-store' });
  res.end(reply.body);
}
