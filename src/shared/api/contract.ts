/** How a call is declared once and typed for every transport (IPC, HTTP, the renderer's client). */
import type { z } from 'zod';

export const ROLES = ['admin', 'technician', 'auditor', 'requester'] as const;
export type Role = (typeof ROLES)[number];

/** 'public' needs no session (setup, login); 'any' needs a session of any role. */
export type Access = 'public' | 'any' | readonly Role[];

export interface CallDef<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly input: I;
  readonly access: Access;
  /** Mutations are recorded in the audit trail and announce a change event. */
  readonly mutates: boolean;
  /** Phantom: carries the output type only. */
  readonly _output?: O;
}

/** `call<Output>()(schema, access, { mutates })` — curried so the input type is inferred. */
export function call<O>() {
  return <I extends z.ZodType>(input: I, access: Access, opts: { mutates?: boolean } = {}): CallDef<I, O> => ({
    input,
    access,
    mutates: opts.mutates ?? false,
  });
}

export type CallInputOf<D> = D extends CallDef<infer I, unknown> ? z.input<I> : never;
export type CallParsedOf<D> = D extends CallDef<infer I, unknown> ? z.output<I> : never;
export type CallOutputOf<D> = D extends CallDef<z.ZodType, infer O> ? O : never;

export const STAFF: readonly Role[] = ['admin', 'technician'];
export const ALL_ROLES: readonly Role[] = ROLES;
export const ADMIN: readonly Role[] = ['admin'];

export function allows(access: Access, role: Role | null): boolean {
  if (access === 'public') return true;
  if (role === null) return false;
  if (access === 'any') return true;
  return access.includes(role);
}
