/**
 * The OCS Inventory protocol as FusionInventory / GLPI agents speak it: zlib-compressed XML
 * posted to one URL. PROLOG is answered with "SEND" (and how often, in hours); INVENTORY is
 * imported. Newer glpi-agents post the GLPI JSON format instead; that is accepted too.
 *
 * Agents authenticate with the site's agent token, as ?token=… in the server URL
 * (fusioninventory-agent --server 'http://HOST:PORT/inventory/agent?token=TOKEN') or an
 * X-Outpost-Agent-Token header.
 */
import zlib from 'node:zlib';
import type { Ctx } from '../core/context';
import type { Actor } from '../core/context';
import { write } from '../core/write';
import { parseAgentXml, planInventories, parseGlpiJson, type InventoryDoc } from './glpi';
import { siteForAgentToken } from './tokens';

export const PROLOG_FREQ_HOURS = 24;
const MAX_INFLATED = 64 * 1024 * 1024;

export interface AgentReply {
  status: number;
  contentType: string;
  body: Buffer;
  /** What happened, for the log. */
  note: string;
}

/** Inflate whatever compression the agent used (zlib is the protocol; gzip and plain are tolerated). */
export function inflate(body: Buffer): { text: string; compressed: boolean } {
  const first = body.subarray(0, 1).toString();
  if (first === '<' || first === '{') return { text: body.toString('utf8'), compressed: false };
  const opts = { maxOutputLength: MAX_INFLATED };
  for (const f of [zlib.inflateSync, zlib.gunzipSync, zlib.inflateRawSync]) {
    try {
      return { text: f(body, opts).toString('utf8'), compressed: true };
    } catch {
      /* try the next */
    }
  }
  throw new Error('The request body is neither zlib-compressed nor plain XML/JSON.');
}

function xmlReply(inner: string, compressed: boolean, status = 200, note = ''): AgentReply {
  const text = `<?xml version="1.0" encoding="UTF-8"?><REPLY>${inner}</REPLY>`;
  return compressed
    ? { status, contentType: 'application/x-compress', body: zlib.deflateSync(Buffer.from(text)), note }
    : { status, contentType: 'application/xml', body: Buffer.from(text), note };
}

function jsonReply(o: unknown, status = 200, note = ''): AgentReply {
  return { status, contentType: 'application/json', body: Buffer.from(JSON.stringify(o)), note };
}

function agentActor(siteId: string): Actor {
  return { id: 'agent', username: 'inventory-agent', displayName: 'Inventory agent', role: 'technician', siteIds: [siteId] };
}

function importDocs(ctx: Ctx, docs: { doc: InventoryDoc; row: number }[], siteId: string): { created: number; updated: number; errors: string[] } {
  const plan = planInventories(ctx, docs, siteId);
  if (plan.errors.length) return { created: 0, updated: 0, errors: plan.errors.map((e) => e.message) };
  write(ctx, (w) => {
    plan.apply(w);
    ctx.store.sqlite.prepare('UPDATE inventory_agent_tokens SET last_report_at = ? WHERE site_id = ?').run(w.now, siteId);
    w.audit('inventory', null, null, { deviceid: docs[0]?.doc.deviceid ?? null, created: plan.created, updated: plan.updated });
    // Each asset, software entry and history row the report writes gets its own event too.
  }, { auditOps: true });
  return { created: plan.created, updated: plan.updated, errors: [] };
}

export function handleAgentPost(base: Omit<Ctx, 'actor'>, body: Buffer, token: string | null): AgentReply {
  const siteId = siteForAgentToken(base.store.sqlite, token);
  if (!siteId) return xmlReply('<ERROR>Unknown or missing agent token. Create one in Settings, then add ?token=… to the agent’s server URL.</ERROR>', false, 401, 'bad token');
  const ctx: Ctx = { ...base, actor: agentActor(siteId), call: 'inventory.agent' };
  let text: string;
  let compressed: boolean;
  try {
    ({ text, compressed } = inflate(body));
  } catch (e) {
    return xmlReply(`<ERROR>${(e as Error).message}</ERROR>`, false, 400, 'undecodable body');
  }
  if (text.trimStart().startsWith('{')) {
    // glpi-agent's JSON protocol: a CONTACT asks what to do; an inventory carries "content".
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return jsonReply({ status: 'error', message: 'The request is not valid JSON.' }, 400, 'bad json');
    }
    if (o.action === 'contact') return jsonReply({ status: 'ok', expiration: PROLOG_FREQ_HOURS, tasks: { inventory: { server: 'glpi', version: '1.0' } } }, 200, 'contact');
    const { docs, errors } = parseGlpiJson(text);
    if (errors.length) return jsonReply({ status: 'error', message: errors.map((e) => `${e.column} ${e.message}`).join('; ') }, 400, 'invalid inventory');
    const r = importDocs(ctx, docs, siteId);
    return r.errors.length ? jsonReply({ status: 'error', message: r.errors.join('; ') }, 400, 'rejected') : jsonReply({ status: 'ok' }, 200, `json inventory: ${r.created} created, ${r.updated} updated`);
  }
  let req;
  try {
    req = parseAgentXml(text);
  } catch (e) {
    return xmlReply(`<ERROR>${(e as Error).message}</ERROR>`, compressed, 400, 'bad xml');
  }
  if (req.query === 'PROLOG') return xmlReply(`<PROLOG_FREQ>${PROLOG_FREQ_HOURS}</PROLOG_FREQ><RESPONSE>SEND</RESPONSE>`, compressed, 200, `prolog from ${req.deviceid}`);
  if (req.query !== 'INVENTORY' || !req.doc) return xmlReply('<RESPONSE>NO_ACCOUNT_UPDATE</RESPONSE>', compressed, 200, `ignored ${req.query}`);
  const r = importDocs(ctx, [{ doc: req.doc, row: 1 }], siteId);
  if (r.errors.length) return xmlReply(`<ERROR>${r.errors.join('; ')}</ERROR>`, compressed, 400, 'rejected');
  return xmlReply('<RESPONSE>NO_ACCOUNT_UPDATE</RESPONSE>', compressed, 200, `inventory from ${req.deviceid}: ${r.created} created, ${r.updated} updated`);
}
