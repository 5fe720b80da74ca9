/**
 * The one registration wrapper every transport goes through: find the call, authenticate,
 * check the role, parse the input with the contract's schema, run, and shape the result.
 */
import { z } from 'zod';
import { allows, contract, isCallName, type AppEvent, type CallName } from '../../shared/api';
import { AppError, type ApiError, type Result } from '../../shared/result';
import type { Clock, Ctx } from '../services/core/context';
import type { Store } from '../db/open';
import { authenticate } from '../services/auth/sessions';
import { ALLOWED_WHILE_LOCKED, isLocked } from '../services/auth/lock';
import { handlers } from './handlers/index';
import type { RequestInfo } from './handlers/types';
import { writeGate } from '../db/write-gate';
import type { Logger } from '../log';

export interface Runtime {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Announces changes to every open window or browser tab. */
  emit(event: AppEvent): void;
}

function toIssues(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
}

function fail(code: ApiError['code'], message: string, issues?: ApiError['issues']): Result<never> {
  return { ok: false, error: issues ? { code, message, issues } : { code, message } };
}

/** For callers that only make synchronous calls (tests, scripts). */
export function dispatch(rt: Runtime, name: string, rawInput: unknown, token: string | null): Result<unknown> {
  const r = dispatchAny(rt, name, rawInput, token);
  if (r instanceof Promise) {
    r.catch(() => undefined);
    return fail('internal', `${name} answers asynchronously; call it through dispatchAsync.`);
  }
  return r;
}

/** Every transport (IPC, HTTP) uses this: handlers may return a promise (sync talks to a server). */
export async function dispatchAsync(rt: Runtime, name: string, rawInput: unknown, token: string | null): Promise<Result<unknown>> {
  return dispatchAny(rt, name, rawInput, token);
}

function dispatchAny(rt: Runtime, name: string, rawInput: unknown, token: string | null): Result<unknown> | Promise<Result<unknown>> {
  if (!isCallName(name)) return fail('unknown_call', `There is no call named "${name}".`);
  const def = contract[name as CallName];
  const actor = def.access === 'public' ? (token ? authenticate(rt, token) : null) : authenticate(rt, token);
  if (def.access !== 'public' && !actor) return fail('unauthenticated', 'Your session has ended. Sign in again.');
  if (!allows(def.access, actor?.role ?? null)) return fail('forbidden', `Your role (${actor?.role}) cannot use ${name}.`);
  // A locked console answers only unlock and sign-out, whoever asks (a reload, a second tab, a script).
  if (actor && token && def.access !== 'public' && !ALLOWED_WHILE_LOCKED.has(name) && isLocked(rt, token)) {
    return fail('locked', 'Outpost is locked. Enter your password to unlock it.');
  }
  const parsed = def.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    const first = issues[0];
    return fail('invalid_input', first ? `${first.path.length ? first.path.join('.') + ': ' : ''}${first.message}` : 'The input is not valid.', issues);
  }
  const ctx: Ctx = { store: rt.store, clock: rt.clock, actor, call: name };
  // While a long job (an import in a worker) holds the write gate, a change waits its turn here.
  const gate = writeGate(rt.store.sqlite);
  if ((def.mutates || WRITES_SESSION.has(name)) && gate.busy()) return gate.exclusive(() => run(rt, name, def.mutates, ctx, parsed.data, token)).then((r) => r);
  return run(rt, name, def.mutates, ctx, parsed.data, token);
}

/** Calls that write (sessions, login audit) without changing records, so are not marked mutates. */
const WRITES_SESSION = new Set<string>(['session.login', 'session.logout', 'session.lock', 'session.unlock', 'session.activity']);

function run(rt: Runtime, name: CallName, mutates: boolean, ctx: Ctx, input: unknown, token: string | null): Result<unknown> | Promise<Result<unknown>> {
  try {
    const handler = handlers[name] as (ctx: Ctx, input: unknown, req: RequestInfo) => unknown;
    const value = handler(ctx, input, { token, emit: rt.emit });
    const done = (v: unknown): Result<unknown> => {
      if (mutates) rt.emit({ type: 'changed', domain: name.split('.')[0]!, ids: idsOf(input, v) });
      return { ok: true, value: v };
    };
    if (value instanceof Promise) return value.then(done, (e: unknown) => failure(rt, name, e));
    return done(value);
  } catch (e) {
    return failure(rt, name, e);
  }
}

function failure(rt: Runtime, name: string, e: unknown): Result<never> {
  if (e instanceof AppError) return fail(e.code, e.message, e.issues);
  rt.log.error({ call: name, err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'call failed');
  return fail('internal', 'Something went wrong inside Outpost. The change was not saved; details are in the log.');
}

function idsOf(input: unknown, value: unknown): string[] {
  const ids = new Set<string>();
  for (const o of [input, value]) {
    if (o && typeof o === 'object') {
      const r = o as Record<string, unknown>;
      if (typeof r.id === 'string') ids.add(r.id);
      if (Array.isArray(r.ids)) for (const x of r.ids) if (typeof x === 'string') ids.add(x);
    }
  }
  return [...ids];
}
