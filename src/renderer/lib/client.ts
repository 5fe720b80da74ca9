/**
 * The typed client: `api.call(name, input)` over whichever transport exists — the Electron preload
 * (`window.outpost`) or HTTP to the browser host. Screens never know which one they talk to.
 */
import { contract, isCallName, type CallInput, type CallName, type CallOutput } from '../../shared/api';
import type { AppEvent } from '../../shared/api/events';
import { UPLOAD_MAX_BYTES, uploadTooLarge, type UploadReceipt } from '../../shared/api/common';
import type { OutpostBridge, PickedFile, PickKind } from '../../shared/api/bridge';
import type { ApiError, ErrorCode, Issue, Result } from '../../shared/result';

declare global {
  interface Window {
    outpost?: OutpostBridge;
  }
}

/** A refused or failed call, carrying the server's code and per-field issues. */
export class ApiCallError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[];
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.issues = error.issues ?? [];
  }
}

/** Plain words for any thrown value, for toasts and error states. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiCallError) return e.message;
  if (e instanceof TypeError) return 'Outpost could not reach its local service. Check that it is still running, then try again.';
  if (e instanceof Error) return e.message;
  return 'Something went wrong.';
}

type TokenSource = () => string | null;
let tokenSource: TokenSource = () => null;
let onUnauthenticated: () => void = () => {};

/** The session store registers itself here so the client never imports UI state. */
let onLocked: () => void = () => {};

export function configureClient(opts: { token: TokenSource; onUnauthenticated: () => void; onLocked?: () => void }) {
  tokenSource = opts.token;
  onUnauthenticated = opts.onUnauthenticated;
  onLocked = opts.onLocked ?? (() => {});
}

function bridge(): OutpostBridge | undefined {
  return typeof window !== 'undefined' ? window.outpost : undefined;
}

async function httpCall(name: string, input: unknown, token: string | null): Promise<Result<unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`api/${encodeURIComponent(name)}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) });
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Result<unknown>;
    if (body && typeof body === 'object' && 'ok' in body) return body;
  } catch {
    // fall through to a generic error below
  }
  return { ok: false, error: { code: 'internal', message: `The local service answered ${res.status} without a usable reply.` } };
}

async function rawCall(name: string, input: unknown): Promise<Result<unknown>> {
  const token = tokenSource();
  const b = bridge();
  return b ? b.call(name, input, token) : httpCall(name, input, token);
}

/** Calls that need a session are not sent without one: after sign-out nothing keeps asking and failing with 401. */
function needsSession(name: string): boolean {
  return isCallName(name) && contract[name].access !== 'public';
}

export const api = {
  /** Runs a call; resolves with its value or throws ApiCallError. */
  async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    if (!tokenSource() && needsSession(name)) throw new ApiCallError({ code: 'unauthenticated', message: 'Sign in first.' });
    const r = await rawCall(name, input);
    if (!r.ok) {
      if (r.error.code === 'unauthenticated' && tokenSource()) onUnauthenticated();
      if (r.error.code === 'locked' && tokenSource()) onLocked();
      throw new ApiCallError(r.error);
    }
    return r.value as CallOutput<N>;
  },
};

/**
 * Sends a large file ahead of the import that reads it: streamed from disk to the browser host's
 * upload route, so its size never meets the call limit. Returns null on the desktop, where the file
 * is picked in the system's dialog instead (pickFile). `onProgress` hears the bytes sent so far.
 */
export async function uploadFile(file: Blob, onProgress?: (sent: number, total: number) => void): Promise<UploadReceipt | null> {
  if (bridge()) return null;
  // Refused here, before a byte is sent: a host that refuses a body part-way may close the
  // connection before the browser reads its answer.
  if (file.size > UPLOAD_MAX_BYTES) throw new ApiCallError({ code: 'invalid_input', message: uploadTooLarge(UPLOAD_MAX_BYTES) });
  const token = tokenSource();
  // XMLHttpRequest rather than fetch: only it reports how much of a request body has been sent.
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', 'api/upload');
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new ApiCallError({ code: 'internal', message: 'The file could not be sent: the connection to Outpost closed before all of it was sent. Check that Outpost is still running, then choose the file again.' }));
    xhr.send(file);
  });
  let body: Result<UploadReceipt> | null = null;
  try {
    body = JSON.parse(text) as Result<UploadReceipt>;
  } catch {
    // answered below
  }
  if (!body || typeof body !== 'object' || !('ok' in body)) throw new ApiCallError({ code: 'internal', message: `The local service answered ${status} to the upload without a usable reply.` });
  if (!body.ok) {
    if (body.error.code === 'unauthenticated' && tokenSource()) onUnauthenticated();
    throw new ApiCallError(body.error);
  }
  return body.value;
}

/** Whether the console runs in the desktop shell, where large import files are picked in the system's dialog. */
export const canPickFile = (): boolean => !!bridge();

/**
 * On the desktop: the system's open dialog for a large import file, which the main process reads in
 * place (the answer names it as an upload for the import); null when the person closed the dialog.
 */
export async function pickFile(kind: PickKind): Promise<PickedFile | null> {
  const b = bridge();
  if (!b) throw new ApiCallError({ code: 'invalid_input', message: 'Files are picked this way only in the desktop app; choose the file in the page instead.' });
  const r = await b.pickFile(kind, tokenSource());
  if (!r.ok) {
    if (r.error.code === 'unauthenticated' && tokenSource()) onUnauthenticated();
    if (r.error.code === 'locked' && tokenSource()) onLocked();
    throw new ApiCallError(r.error);
  }
  return r.value;
}

/** Subscribes to change events from main (IPC) or the host (SSE). Returns the unsubscribe function. */
export function subscribeEvents(token: string, listener: (e: AppEvent) => void): () => void {
  const b = bridge();
  if (b) return b.onEvent(listener);
  if (typeof EventSource === 'undefined') return () => {};
  const es = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
  es.onmessage = (m: MessageEvent<string>) => {
    try {
      listener(JSON.parse(m.data) as AppEvent);
    } catch {
      // a malformed event is ignored rather than breaking the page
    }
  };
  return () => es.close();
}
