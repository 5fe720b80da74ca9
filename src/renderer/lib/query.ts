/**
 * A small query cache for server data: `useCall(name, input)` fetches once per distinct input, shares
 * the result between components, and refetches when a change event (or a local mutation) invalidates it.
 * Server data lives here, never copied into zustand stores.
 */
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { contract, type CallInput, type CallName, type CallOutput } from '../../shared/api';
import { api } from './client';

interface Entry {
  name: CallName;
  input: unknown;
  data: unknown;
  error: unknown;
  loading: boolean;
  stale: boolean;
  inflight: Promise<void> | null;
  subscribers: Set<() => void>;
  snapshot: QueryState<unknown>;
}

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
}

const cache = new Map<string, Entry>();

function keyOf(name: string, input: unknown) {
  return `${name}\u0000${JSON.stringify(input ?? {})}`;
}

function notify(e: Entry) {
  e.snapshot = { data: e.data, error: e.error, loading: e.loading };
  for (const s of e.subscribers) s();
}

function fetchEntry(e: Entry): Promise<void> {
  if (e.inflight) {
    // A change arrived mid-flight: fetch again once this one lands so the newest state wins.
    e.stale = true;
    return e.inflight;
  }
  e.loading = true;
  e.stale = false;
  notify(e);
  const p = api
    .call(e.name, e.input as never)
    .then(
      (v) => {
        e.data = v;
        e.error = null;
      },
      (err: unknown) => {
        e.error = err;
      },
    )
    .finally(() => {
      e.inflight = null;
      e.loading = false;
      notify(e);
      if (e.stale && e.subscribers.size) void fetchEntry(e);
    });
  e.inflight = p;
  return p;
}

function entryFor(name: CallName, input: unknown): Entry {
  const k = keyOf(name, input);
  let e = cache.get(k);
  if (!e) {
    e = {
      name,
      input,
      data: undefined,
      error: null,
      loading: false,
      stale: true,
      inflight: null,
      subscribers: new Set(),
      snapshot: { data: undefined, error: null, loading: true },
    };
    cache.set(k, e);
  }
  return e;
}

/** Marks queries stale and refetches the ones on screen. `match` filters by call name (all when omitted). */
export function invalidate(match?: (name: CallName) => boolean) {
  for (const [k, e] of cache) {
    if (match && !match(e.name)) continue;
    if (e.subscribers.size) void fetchEntry(e);
    else cache.delete(k);
  }
}

/** Which cached calls a change in `domain` (the first segment of a mutating call) can affect. */
export function invalidateDomain(domain: string) {
  const related: Record<string, string[]> = {
    tickets: ['tickets', 'views', 'search', 'audit', 'kpis', 'sla', 'problems', 'risks', 'triage', 'portal'],
    // The service catalogue (Settings) and the requester portal that lists it.
    catalogue: ['catalogue', 'portal', 'audit'],
    catalogue_items: ['catalogue', 'portal', 'audit'],
    portal: ['portal', 'tickets', 'audit'],
    // SLA policies and calendars move every open ticket's deadline; escalations change tickets.
    sla: ['sla', 'tickets', 'views', 'audit'],
    sla_policies: ['sla', 'tickets', 'views', 'audit'],
    sla_calendars: ['sla', 'tickets', 'views', 'audit'],
    ticket_escalations: ['sla', 'tickets', 'audit'],
    routing: ['routing', 'audit'],
    routing_rules: ['routing', 'audit'],
    views: ['views', 'tickets'],
    users: ['users', 'groups', 'tickets', 'session', 'audit'],
    groups: ['groups', 'users', 'tickets', 'audit', 'kpis'],
    sites: ['sites', 'users', 'tickets', 'audit', 'kpis'],
    settings: ['settings', 'audit', 'setup'],
    setup: ['setup', 'settings', 'users', 'sites', 'groups', 'tickets', 'views'],
    // Team-wide settings pulled by sync (the matrix also re-derives ticket priorities).
    team_settings: ['settings', 'tickets', 'setup', 'audit', 'changes'],
    ticket_categories: ['settings', 'audit'],
    asset_field_defs: ['assets', 'audit'],
    asset_models: ['assets', 'audit'],
    // Governance, risk and compliance (calls and the record types a pull brings).
    grc: ['grc', 'risks', 'assessments', 'audit'],
    risks: ['risks', 'controls', 'audit'],
    controls: ['controls', 'risks', 'audit'],
    risk_matrices: ['grc', 'risks', 'audit'],
    frameworks: ['grc', 'assessments', 'audit'],
    framework_requirements: ['grc', 'assessments', 'audit'],
    risk_score_history: ['risks', 'audit'],
    risk_assets: ['risks', 'audit'],
    risk_locations: ['risks', 'audit'],
    risk_controls: ['risks', 'controls', 'audit'],
    risk_tickets: ['risks', 'tickets', 'audit'],
    risk_vulnerabilities: ['risks', 'audit'],
    applied_controls: ['controls', 'risks', 'audit'],
    control_tickets: ['controls', 'audit'],
    requirement_assessments: ['assessments', 'audit'],
    // Problems and changes (calls and the record types a pull brings): a ticket shows its problems.
    problems: ['problems', 'changes', 'audit'],
    problem_incidents: ['problems', 'audit'],
    problem_actions: ['problems', 'audit'],
    changes: ['changes', 'problems', 'audit'],
    change_assets: ['changes', 'audit'],
    change_approvals: ['changes', 'audit'],
    // Knowledge: a ticket solved with an article changes the article's count and the ticket's links.
    kb: ['kb', 'audit'],
    kb_articles: ['kb', 'audit'],
    kb_article_revisions: ['kb', 'audit'],
    kb_article_tags: ['kb', 'audit'],
    kb_ticket_links: ['kb', 'tickets', 'audit'],
  };
  const domains = related[domain] ?? [domain, 'audit'];
  invalidate((name) => domains.includes(name.split('.')[0]!));
  for (const l of domainListeners) l(domain);
}

/**
 * Forgets every result (sign-in/out: another user's data must not show). On-screen queries refetch,
 * except, with `signedOut`, the ones that need a session: they wait, marked stale, until a screen
 * that needs them mounts after the next sign-in.
 */
export function clearCache(opts: { signedOut?: boolean } = {}) {
  for (const [k, e] of cache) {
    e.data = undefined;
    e.error = null;
    if (!e.subscribers.size) cache.delete(k);
    else if (opts.signedOut && contract[e.name].access !== 'public') {
      e.stale = true;
      notify(e);
    } else void fetchEntry(e);
  }
}

/** Reads a call through the cache. Pass `null` as input to skip (e.g. nothing selected yet). */
export function useCall<N extends CallName>(
  name: N,
  input: CallInput<N> | null,
): QueryState<CallOutput<N>> & { refetch: () => Promise<void> } {
  const k = input === null ? null : keyOf(name, input);
  const entry = k === null ? null : entryFor(name, input);
  const subscribe = useCallback(
    (cb: () => void) => {
      if (!entry) return () => {};
      entry.subscribers.add(cb);
      return () => entry.subscribers.delete(cb);
    },
    [entry],
  );
  const snap = useSyncExternalStore(subscribe, () => (entry ? entry.snapshot : IDLE));
  useEffect(() => {
    if (entry && (entry.stale || entry.error) && !entry.inflight) void fetchEntry(entry);
  }, [entry]);
  const refetch = useCallback(() => (entry ? fetchEntry(entry) : Promise.resolve()), [entry]);
  return { ...(snap as QueryState<CallOutput<N>>), refetch };
}

const IDLE: QueryState<unknown> = { data: undefined, error: null, loading: false };

const domainListeners = new Set<(domain: string) => void>();

/** For paged lists that manage their own pages: told which domain changed. */
export function onDomainChange(fn: (domain: string) => void): () => void {
  domainListeners.add(fn);
  return () => domainListeners.delete(fn);
}

/** Announces a local change (after our own mutation) without waiting for the server's event. */
export function changed(domain: string) {
  invalidateDomain(domain);
}
