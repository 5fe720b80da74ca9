/**
 * The requester portal served by the central server at /portal: requesters without the app sign in
 * with their server account, browse the service catalogue, raise requests and problems, and follow
 * and comment on their own tickets. It answers the same `portal.*` calls as the app (contract in
 * shared/api/portal.ts) over the server's store. Reads are what a requester's device would pull,
 * read through indexes (store/portal-reads.ts) and cut by the pull filter's rules; writes are ops pushed through the engine under a device of their
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
import { portalCalls, type PortalAim, type PortalPicture, type PortalTicket, type PortalTicketDetail, type PortalTimelineEntry } from '../shared/api/portal';
import type { CallName } from '../shared/api';
import { allows, type Role } from '../shared/api/contract';
import { requestTicket, toCatalogueItem, type CatalogueItem } from '../shared/catalogue/items';
import { MOVE_TARGET, moveRefusal, portalCan } from '../shared/catalogue/portal-rules';
import { excerpt, isPublicArticle, matchesArticle } from '../shared/catalogue/articles';
import type { Answers } from '../shared/catalogue/form';
import { aimOf } from '../shared/catalogue/aim';
import type { StatusEvent } from '../shared/sla/clock';
import { calendarFromFields, orderPolicies, policyFromFields, slaOfTicket, type SlaSetup, type TicketSlaFacts } from '../shared/sla/setup';
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
import { recordToChange } from './store/sqlite';
import { pictureOf } from './kb-pictures';
import type { ServerStore, StoredRecord } from './store/types';

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

/**
 * What the signed-in person may read of a set of stored records: those in the sites a pull would
 * read for them (pullScopes) and let through by the pull's role filter (filterPage, over the rules of
 * shared/sync/access), never a second copy of those rules. A record the filter takes back (an
 * article no longer public) is simply absent.
 */
async function visible(store: ServerStore, auth: PushAuth, p: Principal, recs: readonly StoredRecord[]): Promise<Change[]> {
  const scopes = pullScopes(auth.sites, null);
  const inSites = recs.filter((r) => scopes === null || scopes.includes(r.scopeId)).map(recordToChange);
  return (await filterPage(store, p, inSites)).filter((c) => !isMovedOut(c));
}

/** A moved-out marker carries no data: the record left what this person reads. */
const isMovedOut = (c: Change) => c.createdAt === '' && Object.keys(c.data).length === 0;

async function liveOf(store: ServerStore, auth: PushAuth, p: Principal, entity: string): Promise<Change[]> {
  return visible(store, auth, p, await store.liveRecordsOf(entity));
}

async function catalogueOf(store: ServerStore, auth: PushAuth, p: Principal): Promise<CatalogueItem[]> {
  return (await liveOf(store, auth, p, 'catalogue_items'))
    .map((c) => toCatalogueItem(c.id, c.data))
    .filter((i) => i.active)
    .sort((a, b) => a.section.localeCompare(b.section) || a.position - b.position || a.name.localeCompare(b.name));
}

/** The person's own tickets (indexed by requester), as their device would hold them. */
async function ownTickets(store: ServerStore, auth: PushAuth, p: Principal): Promise<Change[]> {
  return (await visible(store, auth, p, await store.requesterTickets(p.id))).filter((t) => t.data.requester_id === p.id);
}

async function ownTicket(store: ServerStore, auth: PushAuth, p: Principal, id: string): Promise<Change> {
  const t = (await store.readRecords([{ entity: 'tickets', id }])).get(`tickets/${id}`);
  const [seen] = t && !t.deletedHlc && t.data.requester_id === p.id ? await visible(store, auth, p, [t]) : [];
  // Someone else's ticket (or one in a site this person does not hold) reads as no ticket at all.
  if (!seen) throw new HttpError(404, 'not_found', 'No such ticket among your requests.');
  return seen;
}

/**
 * The team's SLA setup as the server holds it (synced policies and calendars), read once per call.
 * The server computes the aim from the ticket's status history and this setup, as every device
 * does (shared/sla/setup.ts), so the portal in a browser shows what the app shows.
 */
async function slaSetupOf(store: ServerStore): Promise<SlaSetup> {
  const policies = orderPolicies((await store.liveRecordsOf('sla_policies')).map((r) => policyFromFields({ ...r.data, id: r.id })));
  const calendars = new Map((await store.liveRecordsOf('sla_calendars')).map((r) => [r.id, calendarFromFields({ ...r.data, id: r.id })] as const));
  return { policies, calendars };
}

/** Status moves of each ticket, from its whole history (the aim counts every move, shown or not). */
function statusEvents(history: readonly StoredRecord[]): Map<string, StatusEvent[]> {
  const out = new Map<string, StatusEvent[]>();
  for (const h of history) {
    if (h.data.kind !== 'status' || typeof h.data.to_value !== 'string' || typeof h.data.ticket_id !== 'string') continue;
    const list = out.get(h.data.ticket_id) ?? [];
    list.push({ id: h.id, at: h.createdAt, to: h.data.to_value as TicketStatus, reason: typeof h.data.reason === 'string' ? h.data.reason : null });
    out.set(h.data.ticket_id, list);
  }
  return out;
}

function aimOfTicket(setup: SlaSetup, t: Change, history: readonly StatusEvent[], nowMs: number): PortalAim | null {
  if (!setup.policies.length) return null;
  const d = t.data;
  const facts: TicketSlaFacts = {
    id: t.id,
    type: String(d.type),
    category: typeof d.category === 'string' ? d.category : null,
    scope_id: t.scopeId,
    priority: Number(d.priority),
    opened_at: String(d.opened_at),
    first_response_at: typeof d.first_response_at === 'string' ? d.first_response_at : null,
  };
  return aimOf(slaOfTicket(setup, facts, history)?.figures ?? null, nowMs);
}

function toPortalTicket(t: Change, itemNames: Map<string, string>, aim: PortalAim | null): PortalTicket {
  return {
    id: t.id,
    number: String(t.data.number),
    type: t.data.type as TicketType,
    title: String(t.data.title),
    status: t.data.status as TicketStatus,
    openedAt: String(t.data.opened_at),
    updatedAt: t.updatedAt,
    catalogueItemName: typeof t.data.catalogue_item_id === 'string' ? (itemNames.get(t.data.catalogue_item_id) ?? null) : null,
    aim,
  };
}

/** The names of the catalogue items these tickets were raised from. */
async function itemNamesOf(store: ServerStore, tickets: readonly Change[]): Promise<Map<string, string>> {
  const ids = [...new Set(tickets.map((t) => t.data.catalogue_item_id).filter((x): x is string => typeof x === 'string'))];
  const items = ids.length ? await store.readRecords(ids.map((id) => ({ entity: 'catalogue_items', id }))) : new Map<string, StoredRecord>();
  return new Map([...items.values()].map((i) => [i.id, String(i.data.name)]));
}

/** Tickets as the portal lists them, with the SLA aim of each. */
async function portalTickets(store: ServerStore, tickets: readonly Change[], nowMs: number): Promise<PortalTicket[]> {
  const setup = await slaSetupOf(store);
  const history = setup.policies.length ? statusEvents(await store.ticketChildren('ticket_history', tickets.map((t) => t.id))) : new Map<string, StatusEvent[]>();
  const names = await itemNamesOf(store, tickets);
  return tickets.map((t) => toPortalTicket(t, names, aimOfTicket(setup, t, history.get(t.id) ?? [], nowMs)));
}

async function detailOf(store: ServerStore, auth: PushAuth, p: Principal, t: Change, nowMs: number): Promise<PortalTicketDetail> {
  // The ticket's comments and history as its requester may read them (the filter looks at the ticket for its children).
  const children = [...(await store.ticketChildren('ticket_comments', [t.id])), ...(await store.ticketChildren('ticket_history', [t.id]))];
  const seen = await visible(store, auth, p, [...(await store.readRecords([{ entity: 'tickets', id: t.id }])).values(), ...children]);
  const people = [...new Set(seen.flatMap((c) => [c.data.author_id, c.data.actor_id]).filter((x): x is string => typeof x === 'string' && x !== p.id))];
  const users = new Map((await visible(store, auth, p, [...(await store.readRecords(people.map((id) => ({ entity: 'users', id })))).values()])).map((u) => [u.id, u] as const));
  const nameOf = (id: unknown): string => {
    if (id === p.id) return 'You';
    const u = typeof id === 'string' ? users.get(id) : undefined;
    return u && typeof u.data.display_name === 'string' ? u.data.display_name : 'Service desk';
  };
  const timeline: PortalTimelineEntry[] = [];
  for (const c of seen) {
    if (c.entity === 'ticket_comments') {
      if (c.data.ticket_id !== t.id || c.data.internal === 1 || c.data.internal === true) continue;
      timeline.push({ kind: 'comment', id: c.id, at: c.createdAt, authorName: nameOf(c.data.author_id), body: String(c.data.body), mine: c.data.author_id === p.id });
    } else if (c.entity === 'ticket_history') {
      if (c.data.ticket_id !== t.id || c.data.kind !== 'status') continue;
      timeline.push({ kind: 'status', id: c.id, at: c.createdAt, authorName: nameOf(c.data.actor_id), from: (c.data.from_value as TicketStatus | null) ?? null, to: c.data.to_value as TicketStatus, reason: (c.data.reason as string | null) ?? null });
    }
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
  const [listed] = await portalTickets(store, [t], nowMs);
  return { ...listed!, description: String(t.data.description ?? ''), answers, timeline, can: portalCan(status) };
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
  'portal.catalogue': async (store, auth, p) => ({ items: await catalogueOf(store, auth, p) }),
  'portal.myTickets': async (store, auth, p, _input, nowMs) => {
    // Newest first, as the app lists them (opened, then id), and at most as many as the app shows.
    const mine = (await ownTickets(store, auth, p))
      .sort((a, b) => (String(a.data.opened_at) < String(b.data.opened_at) ? 1 : String(a.data.opened_at) > String(b.data.opened_at) ? -1 : a.id < b.id ? 1 : -1))
      .slice(0, 500);
    return { items: await portalTickets(store, mine, nowMs) };
  },
  'portal.ticket': async (store, auth, p, input, nowMs) => detailOf(store, auth, p, await ownTicket(store, auth, p, input.id), nowMs),
  'portal.articles': async (store, auth, p, input) => {
    const items = (await liveOf(store, auth, p, 'kb_articles'))
      .filter((a) => isPublicArticle(a.data))
      .map((a) => ({ a, title: String(a.data.title), category: typeof a.data.category === 'string' ? a.data.category : null, body: String(a.data.body ?? '') }))
      .filter((x) => !input.q || matchesArticle(x, input.q))
      .sort((x, y) => (x.a.updatedAt < y.a.updatedAt ? 1 : -1))
      .slice(0, 50)
      .map((x) => ({ id: x.a.id, number: String(x.a.data.number), title: x.title, category: x.category, excerpt: excerpt(x.body, input.q) }));
    return { items };
  },
  'portal.article': async (store, auth, p, input) => {
    const stored = [...(await store.readRecords([{ entity: 'kb_articles', id: input.id }])).values()].filter((r) => !r.deletedHlc);
    const [a] = await visible(store, auth, p, stored);
    if (!a || !isPublicArticle(a.data)) throw new HttpError(404, 'not_found', 'No such help article.');
    return { id: a.id, number: String(a.data.number), title: String(a.data.title), category: typeof a.data.category === 'string' ? a.data.category : null, body: String(a.data.body ?? ''), updatedAt: a.updatedAt };
  },
  'portal.picture': async (store, auth, p, input) => {
    const pic = await pictureOf(store, input.sha256, input.articleId);
    const [a] = pic ? await visible(store, auth, p, [pic.article]) : [];
    // The same answer whatever is missing: a reader learns nothing of files or articles they may not read.
    if (!pic || !a || !isPublicArticle(a.data)) throw new HttpError(404, 'not_found', 'No such picture in a help article.');
    return { mediaType: pic.mediaType, contentBase64: pic.bytes.toString('base64') } satisfies PortalPicture;
  },
  'portal.submit': async (store, auth, p, input, nowMs) => {
    let item: CatalogueItem | null = null;
    if (input.itemId) {
      item = (await catalogueOf(store, auth, p)).find((i) => i.id === input.itemId) ?? null;
      if (!item) throw new HttpError(404, 'not_found', 'That request item is not in the catalogue any more.');
    }
    const r = requestTicket(item, input);
    if (!r.ok) throw new HttpError(400, 'invalid_input', r.message);
    const site = auth.sites?.[0] ?? (await liveOf(store, auth, p, 'sites')).sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))[0]?.id;
    if (!site) throw new HttpError(409, 'conflict', 'Your account is not in any site yet; ask your administrator to add you to one.');
    const impact = item ? 3 : input.impact;
    const urgency = item ? 3 : input.urgency;
    const matrix = matrixFromRecord((await store.readRecords([{ entity: 'team_settings', id: PRIORITY_MATRIX_ID }])).get(`team_settings/${PRIORITY_MATRIX_ID}`));
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
    const t = await ownTicket(store, auth, p, input.id);
    if (!portalCan(t.data.status as TicketStatus).comment) throw new HttpError(409, 'conflict', 'This request is closed; comments are closed.');
    await pushOps(store, auth, [{ kind: 'append', entity: 'ticket_comments', recordId: uuidv7(), scopeId: t.scopeId, payload: { ticket_id: t.id, author_id: p.id, body: input.body, internal: 0 } }], nowMs);
    return { ok: true };
  },
  'portal.move': async (store, auth, p, input, nowMs) => {
    const t = await ownTicket(store, auth, p, input.id);
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
 * Portal calls read through indexes (the person's own tickets and their children, small team-wide
 * types), never the change log; still, a script holding a requester's token gets at most
 * PORTAL_CALLS_PER_MINUTE answers, so one account cannot keep an instance busy. Counted per person
 * and server store, in fixed minutes.
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
