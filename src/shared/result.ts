/** The shape every call returns across a process boundary (IPC, HTTP), and the error codes behind it. */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'unknown_call'
  | 'conflict'
  | 'invalid_transition'
  | 'already_setup'
  | 'rate_limited'
  | 'locked'
  | 'internal';

export interface Issue {
  path: (string | number)[];
  message: string;
}

export interface ApiError {
  code: ErrorCode;
  message: string;
  issues?: Issue[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Thrown by services; the api wrapper turns it into `{ ok: false, error }`. */
export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly issues?: Issue[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const httpStatusFor: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  unknown_call: 404,
  conflict: 409,
  invalid_transition: 409,
  already_setup: 409,
  rate_limited: 429,
  locked: 423,
  internal: 500,
};
