/**
 * A host's event stream (GET /api/events, server-sent events) read as the console reads it, for the
 * tests that watch progress, changes and the first `hello` over real HTTP: one reader for all of them.
 */
import type { AppEvent } from '../../shared/api';

export interface EventStream {
  /** The answer's status and content type (401 without a valid token, 423 while the store is locked). */
  status: number;
  contentType: string | null;
  /** Every event received so far, in order. */
  events: AppEvent[];
  /** Resolves with the first event (received already or still to come) that `test` holds for; rejects after `ms`. */
  waitFor<E extends AppEvent>(test: (e: AppEvent) => e is E, what: string, ms?: number): Promise<E>;
  waitFor(test: (e: AppEvent) => boolean, what: string, ms?: number): Promise<AppEvent>;
  /** Stops reading (the host may also have ended the stream, or been killed). */
  close(): void;
}

/** Splits what arrived into whole frames; returns the events and what is left of an unfinished frame. */
export function readFrames(buf: string): { events: AppEvent[]; rest: string } {
  const events: AppEvent[] = [];
  let i: number;
  while ((i = buf.indexOf('\n\n')) >= 0) {
    const data = buf
      .slice(0, i)
      .split('\n')
      .find((l) => l.startsWith('data: '));
    buf = buf.slice(i + 2);
    if (data) events.push(JSON.parse(data.slice(6)) as AppEvent);
  }
  return { events, rest: buf };
}

/** Opens `${url}/api/events` with `token` and follows it until `close()`; resolves once the host answered. */
export async function followEvents(url: string, token: string): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/events?token=${encodeURIComponent(token)}`, { signal: abort.signal });
  const events: AppEvent[] = [];
  const waiting = new Set<() => void>();
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    void (async () => {
      const dec = new TextDecoder();
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          const got = readFrames(buf + dec.decode(value, { stream: true }));
          buf = got.rest;
          if (!got.events.length) continue;
          events.push(...got.events);
          for (const wake of [...waiting]) wake();
        }
      } catch {
        // the host was killed, or the test closed the stream
      }
    })();
  } else await res.body?.cancel();
  const waitFor = (test: (e: AppEvent) => boolean, what: string, ms = 120_000) =>
    new Promise<AppEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(test);
        if (!found) return;
        clearTimeout(timer);
        waiting.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error(`timed out waiting for ${what} on the event stream (${events.length} events seen)`));
      }, ms);
      waiting.add(check);
      check();
    });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    waitFor: waitFor as EventStream['waitFor'],
    close: () => abort.abort(),
  };
}
