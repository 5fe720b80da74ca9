/**
 * The requester portal served by the central server at /portal: requesters without the app sign in
 * with their server account, browse the service catalogue, raise requests and problems, and follow
 * and comment on their own tickets. It answers the same `portal.*` calls as the app (contract in
 * shared/api/portal.ts) over the server's store. Reads are what a requester's device would pull
 * (the role-filtered change log); writes are ops pushed through the engine under a device of their
 * own, judged by judgeWrite like any device's, and reach technicians' devices on their next pull.
 *
 * CSRF: calls carry their access token in the Authorization header (no cookies), must be JSON (which
 * forces a CORS preflight from any other origin) and are refused when their Origin is not the
 * server's own. The page is served with a strict Content-Security-Policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { contract } from '../shared/api';
import { portalCalls, type PortalTicket, type PortalTicketDetail, type PortalTimelineEntry } from '../shared/api/portal';
import type { CallName } from '../shared/api';
import { allows, type Role } from '../shared/api/contract';
import { requestTicket, toCatalogueItem, type CatalogueItem } from '../shared/catalogue/items';
import { MOVE_TARGET, moveRefusal, portalCan } from '../shared/catalogue/portal-rules';
import { excerpt, isPublicArticle, matchesArticle } from '../shared/catalogue/articles';
import type { Answers } from '../shared/catalogue/form';
import { uuidv7 } from '../shared/ids';
import { formatHlc } from '../shared/hlc';
import { deviceShort, formatProvisional } from '../shared/numbers';
import { numberPrefix, priorityFor, isOpen, type TicketStatus, type TicketType } from '../shared/tickets/rules';
import { matrixFromRecord, PRIORITY_MATRIX_ID } from '../shared/settings/team';
import { SYNC_SCHEMA_MAX, type Change, type WireOp } from '../shared/sync/wire';
import type { Principal } from '../shared/sync/access';
import { authenticate, login, refresh } from './auth';
import { HttpError, push, resolvePrincipal, type PushAuth } from './engine';
import { filterPage } from './pull-filter';
import { pokeScopes, pullScopes } from './scopes';
import type { ServerStore } from './store/types';

export const PORTAL_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where `vite build` puts the portal page and its assets (a second entry beside the app's). */
export const DEFAULT_PORTAL_DIR = path.resolve(here, '../../dist/renderer');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export const portalSignIn = z
  .object({ username: z.string().trim().toLowerCase().min(1).max(64), password: z.string().min(1).max(256) })
  .strict();
export const portalRefresh = z.object({ refreshToken: z.string().min(10).max(200) }).strict();

function securityHeaders(res: http.ServerResponse) {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

/** Serves the built portal page (GET /portal/…): the page itself for any path without a file. */
export function servePortalPage(dir: string, pathname: string, res: http.ServerResponse): void {
  securityHeaders(res);
  const page = path.join(dir, 'portal.html');
  if (!fs.existsSync(page)) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('The portal has not been built on this server yet. Run `npm run build:renderer`, then reload.');
    return;
  }
  const root = path.resolve(dir);
  const rel = pathname.replace(/^\/portal\/?/, '');
  let file = rel.startsWith('assets/') ? path.resolve(root, '.' + path.posix.normalize('/' + decodeURIComponent(rel))) : page;
  if (!file.startsWith(path.join(root, 'assets') + path.sep) && file !== page) file = page;
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found.');
    return;
  }
  const ext = path.extname(file);
  const isHtml = ext === '.html';
  res.writeHead(200, {
    'content-type': MIME[ext] ?? 'application/octet-stream',
    'cache-control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
    ...(isHtml ? { 'content-security-policy': PORTAL_CSP } : {}),
  });
  fs.createReadStream(file).pipe(res);
}

/** Refuses a portal call from another origin (a page elsewhere trying to act as the signed-in requester). */
export function checkPortalOrigin(req: http.IncomingMessage): void {
  const ct = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(ct)) throw new HttpError(415, 'unsupported_media_type', 'Portal calls are JSON (content-type: application/json).');
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin !== undefined) {
    const originHost = URL.canParse(origin) ? new URL(origin).host : null;
    if (!host || originHost !== host) throw new HttpError(403, 'forbidden', 'Cross-origin requests are refused.');
  }
}

// ---------------------------------------------------------------- reading as the requester

interface View {
  records: Map<string, Change>;
}

/**
 * What the signed-in person's device would hold: the change log of their sites and the team's
 * records, cut by the same role filter as a pull. Read whole for each call: the portal is for the
 * people who raise tickets, whose view is small.
 */
async function readView(store: ServerStore, auth: PushAuth, p: Principal): Promise<View> {
  const scopes = pullScopes(auth.sites, null);
  const records = new Map<string, Change>();
  let cursor = 0;
  for (;;) {
    const page = await store.pull(scopes, cursor, 5000);
    for (const c of await filterPage(store, p, page.changes)) {
      const k = `${c.entity}/${c.id}`;
      // A moved-out entry carries no data: the record left the sites this person reads.
      if (c.createdAt === '' && Object.keys(c.data).length === 0) records.delete(k);
      else records.set(k, c);
    }
    if (!page.hasMore || page.cursor <= cursor) break;
    cursor = page.cursor;
  }
  return { records };
}

const live = (v: View, entity: string) => [...v.records.values()].filter((c) => c.entity === entity && !c.deletedHlc);

function catalogueOf(v: View): CatalogueItem[] {
  return live(v, 'catalogue_items')
    .map((c) => toCatalogueItem(c.id, c.data))
    .filter((i) => i.active)
    .sort((a, b) => a.section.localeCompare(b.section) || a.position - b.position || a.name.localeCompare(b.name));
}

function ownTicket(v: View, p: Principal, id: string): Change {
  const t = v.records.get(`tickets/${id}`);
  // Someone else's ticket reads as no ticket at all.
  if (!t || t.deletedHlc || t.data.requester_id !== p.id) throw new HttpError(404, 'not_found', 'No such ticket among your requests.');
  return t;
}

function toPortalTicket(v: View, t: Change): PortalTicket {
  const item = typeof t.data.catalogue_item_id === 'string' ? v.records.get(`catalogue_items/${t.data.catalogue_item_id}`) : undefined;
  return {
    id: t.id,
    number: String(t.data.number),
    type: t.data.type as TicketType,
    title: String(t.data.title),
    status: t.data.status as TicketStatus,
    openedAt: String(t.data.opened_at),
    updatedAt: t.updatedAt,
    catalogueItemName: item ? String(item.data.name) : null,
    // The server does not keep the SLA clock; the app shows it (see docs/portal.md).
    aim: null,
  };
}

function nameOf(v: View, p: Principal, id: unknown): string {
  if (id === p.id) return 'You';
  const u = typeof id === 'string' ? v.records.get(`users/${id}`) : undefined;
  return u && typeof u.data.display_name === 'string' ? u.data.display_name : 'Service desk';
}

function detailOf(v: View, p: Principal, t: Change): PortalTicketDetail {
  const timeline: PortalTimelineEntry[] = [];
  for (const c of live(v, 'ticket_comments')) {
    if (c.data.ticket_id !== t.id || c.data.internal === 1 || c.data.internal === true) continue;
    timeline.push({ kind: 'comment', id: c.id, at: c.createdAt, authorName: nameOf(v, p, c.data.author_id), body: String(c.data.body), mine: c.data.author_id === p.id });
  }
  for (const h of live(v, 'ticket_history')) {
    if (h.data.ticket_id !== t.id || h.data.kind !== 'status') continue;
    timeline.push({ kind: 'status', id: h.id, at: h.createdAt, authorName: nameOf(v, p, h.data.actor_id), from: (h.data.from_value as TicketStatus | null) ?? null, to: h.data.to_value as TicketStatus, reason: (h.data.reason as string | null) ?? null });
  }
  timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  let answers: Answers | null = null;
  if (typeof t.data.form_answers === 'string') {
    try {
      answers = JSON.parse(t.data.form_answers) as Answers;
    } catch {
      answers = null;
    }
  }
  const status = t.data.status as TicketStatus;
  return { ...toPortalTicket(v, t), description: String(t.data.description ?? ''), answers, timeline, can: portalCan(status) };
}

// ---------------------------------------------------------------- writing as the requester

async function pushOps(store: ServerStore, auth: PushAuth, ops: Omit<WireOp, 'opId' | 'deviceSeq' | 'hlc' | 'schemaVersion' | 'createdAt'>[], nowMs: number): Promise<void> {
  const nowIso = new Date(nowMs).toISOString();
  // The portal session's sequence numbers come from the store, so two instances answering the same
  // browser (behind a load balancer), or a restarted one, never give two changes the same number.
  const firstSeq = await store.reserveDeviceCounter(auth.deviceId, 'seq', ops.length);
  const wire: WireOp[] = ops.map((o, i) => ({ ...o, opId: uuidv7(), deviceSeq: firstSeq + i, hlc: formatHlc({ wall: nowMs, counter: i }), schemaVersion: SYNC_SCHEMA_MAX, createdAt: nowIso }));
  const head = await store.headSeq();
  const written = new Set<string>();
  const out = await push(store, auth, { deviceId: auth.deviceId, clientVersion: 'portal', schemaVersion: SYNC_SCHEMA_MAX, cursor: head, ops: wire }, nowMs, written);
  const refused = out.results.find((r) => r.status === 'rejected');
  if (refused) throw new HttpError(400, 'invalid_input', refused.reason ?? 'The server refused the change.');
  if (out.seqClash?.length) throw new HttpError(409, 'conflict', 'The change clashed with another; try again.');
  if (written.size) await store.announce(await store.headSeq(), pokeScopes(written));
}

type Handler = (store: ServerStore, auth: PushAuth, p: Principal, input: never, nowMs: number) => Promise<unknown>;

const handlers: { [N in keyof typeof portalCalls]: (store: ServerStore, auth: PushAuth, p: Principal, input: z.output<(typeof portalCalls)[N]['input']>, nowMs: number) => Promise<unknown> } = {
  'portal.catalogue': async (store, auth, p) => ({ items: catalogueOf(await readView(store, auth, p)) }),
  'portal.myTickets': async (store, auth, p) => {
    const v = await readView(store, auth, p);
    const items = live(v, 'tickets')
      .filter((t) => t.data.requester_id === p.id)
      .sort((a, b) => (String(a.data.opened_at) < String(b.data.opened_at) ? 1 : -1))
      .map((t) => toPortalTicket(v, t));
    return { items };
  },
  'portal.ticket': async (store, auth, p, input) => {
    const v = await readView(store, auth, p);
    return detailOf(v, p, ownTicket(v, p, input.id));
  },
  'portal.articles': async (store, auth, p, input) => {
    const v = await readView(store, auth, p);
    const items = live(v, 'kb_articles')
      .filter((a) => isPublicArticle(a.data))
      .map((a) => ({ a, title: String(a.data.title), category: typeof a.data.category === 'string' ? a.data.category : null, body: String(a.data.body ?? '') }))
      .filter((x) => !input.q || matchesArticle(x, input.q))
      .sort((x, y) => (x.a.updatedAt < y.a.updatedAt ? 1 : -1))
      .slice(0, 50)
      .map((x) => ({ id: x.a.id, number: String(x.a.data.number), title: x.title, category: x.category, excerpt: excerpt(x.body, input.q) }));
    return { items };
  },
  'portal.article': async (store, auth, p, input) => {
    const v = await readView(store, auth, p);
    const a = v.records.get(`kb_articles/${input.id}`);
    if (!a || a.deletedHlc || !isPublicArticle(a.data)) throw new HttpError(404, 'not_found', 'No such help article.');
    return { id: a.id, number: String(a.data.number), title: String(a.data.title), category: typeof a.data.category === 'string' ? a.data.category : null, body: String(a.data.body ?? ''), updatedAt: a.updatedAt };
  },
  'portal.submit': async (store, auth, p, input, nowMs) => {
    const v = await readView(store, auth, p);
    let item: CatalogueItem | null = null;
    if (input.itemId) {
      item = catalogueOf(v).find((i) => i.id === input.itemId) ?? null;
      if (!item) throw new HttpError(404, 'not_found', 'That request item is not in the catalogue any more.');
    }
    const r = requestTicket(item, input);
    if (!r.ok) throw new HttpError(400, 'invalid_input', r.message);
    const site = auth.sites?.[0] ?? live(v, 'sites').sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))[0]?.id;
    if (!site) throw new HttpError(409, 'conflict', 'Your account is not in any site yet; ask your administrator to add you to one.');
    const impact = item ? 3 : input.impact;
    const urgency = item ? 3 : input.urgency;
    const matrix = matrixFromRecord(v.records.get(`team_settings/${PRIORITY_MATRIX_ID}`));
    const id = uuidv7();
    // Numbered for real at push; the provisional number stays as the ticket's alias, so it must be
    // this session's own whichever instance gives it.
    const provisional = await store.reserveDeviceCounter(auth.deviceId, 'provisional', 1);
    const nowIso = new Date(nowMs).toISOString();
    await pushOps(
      store,
      auth,
      [
        {
          kind: 'create',
          entity: 'tickets',
          recordId: id,
          scopeId: site,
          payload: {
            number: formatProvisional(numberPrefix(r.value.type), deviceShort(auth.deviceId), provisional),
            type: r.value.type,
            title: r.value.title,
            description: r.value.description,
            category: r.value.category,
            subcategory: null,
            impact,
            urgency,
            priority: priorityFor(matrix, impact, urgency),
            priority_overridden: 0,
            status: 'new',
            is_open: 1,
            assignee_id: null,
            group_id: null,
            requester_id: p.id,
            contact_channel: 'portal',
            linked_asset_id: null,
            opened_at: nowIso,
            catalogue_item_id: r.value.catalogueItemId,
            form_answers: r.value.formAnswers,
          },
        },
        { kind: 'append', entity: 'ticket_history', recordId: uuidv7(), scopeId: site, payload: { ticket_id: id, actor_id: p.id, kind: 'status', field: null, from_value: null, to_value: 'new', reason: null } },
      ],
      nowMs,
    );
    const stored = (await store.readRecords([{ entity: 'tickets', id }])).get(`tickets/${id}`);
    return { id, number: String(stored?.data.number ?? '') };
  },
  'portal.comment': async (store, auth, p, input, nowMs) => {
    const v = await readView(store, auth, p);
    const t = ownTicket(v, p, input.id);
    if (!portalCan(t.data.status as TicketStatus).comment) throw new HttpError(409, 'conflict', 'This request is closed; comments are closed.');
    await pushOps(store, auth, [{ kind: 'append', entity: 'ticket_comments', recordId: uuidv7(), scopeId: t.scopeId, payload: { ticket_id: t.id, author_id: p.id, body: input.body, internal: 0 } }], nowMs);
    return { ok: true };
  },
  'portal.move': async (store, auth, p, input, nowMs) => {
    const v = await readView(store, auth, p);
    const t = ownTicket(v, p, input.id);
    const from = t.data.status as TicketStatus;
    const refused = moveRefusal(from, input.move);
    if (refused) throw new HttpError(409, 'conflict', refused);
    const to = MOVE_TARGET[input.move];
    const nowIso = new Date(nowMs).toISOString();
    const fields: Record<string, unknown> = { is_open: isOpen(to) ? 1 : 0, pending_reason: null };
    if (to === 'closed' || to === 'cancelled') fields.closed_at = nowIso;
    if (input.move === 'reopen') Object.assign(fields, { resolved_at: null, resolution_code: null, resolution_notes: null });
    await pushOps(
      store,
      auth,
      [
        { kind: 'transition', entity: 'tickets', recordId: t.id, scopeId: t.scopeId, payload: { from, to, fields } },
        { kind: 'append', entity: 'ticket_history', recordId: uuidv7(), scopeId: t.scopeId, payload: { ticket_id: t.id, actor_id: p.id, kind: 'status', field: null, from_value: from, to_value: to, reason: input.reason ?? null } },
      ],
      nowMs,
    );
    return { ok: true };
  },
};

/**
 * Each portal call reads the person's whole role-filtered view of the change log (readView), so a
 * person may make at most PORTAL_CALLS_PER_MINUTE of them: a script holding a requester's token
 * cannot keep the server reading the log. Counted per person and server store, in fixed minutes.
 */
export const PORTAL_CALLS_PER_MINUTE = 120;
const callCounts = new WeakMap<ServerStore, Map<string, { minute: number; calls: number }>>();

function countCall(store: ServerStore, userId: string, nowMs: number): void {
  let counts = callCounts.get(store);
  if (!counts) callCounts.set(store, (counts = new Map()));
  const minute = Math.floor(nowMs / 60_000);
  const c = counts.get(userId);
  if (!c || c.minute !== minute) {
    // Forget people whose minute has passed, so the map holds only this minute's callers.
    if (!c) for (const [k, v] of counts) if (v.minute !== minute) counts.delete(k);
    counts.set(userId, { minute, calls: 1 });
    return;
  }
  if (++c.calls > PORTAL_CALLS_PER_MINUTE) {
    throw new HttpError(429, 'too_many_requests', `The portal answers at most ${PORTAL_CALLS_PER_MINUTE} requests a minute per person. Wait a moment and try again.`);
  }
}

/** POST /portal/api/<call>: sign-in and refresh, then the portal calls with the access token in the header. */
export async function handlePortalCall(
  store: ServerStore,
  name: string,
  req: http.IncomingMessage,
  body: () => Promise<unknown>,
  nowMs: number,
): Promise<unknown> {
  checkPortalOrigin(req);
  const address = req.socket.remoteAddress ?? null;
  if (name === 'portal.signIn') {
    const input = parse(portalSignIn, await body());
    // Each sign-in in a browser is a device of its own (listed with the person's devices, revoked like one).
    const pair = await login(store, { ...input, deviceId: `portal-${uuidv7()}`, deviceName: 'Portal in a browser' }, nowMs, { address });
    const personId = (await store.findProfileId(pair.user.username)) ?? pair.user.id;
    return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: pair.expiresIn, user: { id: personId, username: pair.user.username, role: pair.user.role } };
  }
  if (name === 'portal.refresh') {
    const pair = await refresh(store, parse(portalRefresh, await body()).refreshToken, nowMs);
    return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: pair.expiresIn };
  }
  if (!Object.prototype.hasOwnProperty.call(portalCalls, name)) throw new HttpError(404, 'not_found', `The portal has no call ${name}.`);
  const auth = await authenticate(store, req.headers.authorization, nowMs);
  countCall(store, auth.userId, nowMs);
  const def = contract[name as CallName];
  if (!allows(def.access, auth.role as Role)) throw new HttpError(403, 'forbidden', 'Your role cannot use this part of the portal.');
  const input = parse(def.input, await body());
  const p = await resolvePrincipal(store, auth);
  const h = handlers[name as keyof typeof portalCalls] as unknown as Handler;
  return h(store, auth, p, input as never, nowMs);
}

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, 'invalid_input', i ? (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message) : 'The request is not valid.');
  }
  return r.data;
}
