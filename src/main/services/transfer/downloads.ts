/**
 * Files the browser host offers as a download (an export of everything): each offer is a random,
 * single-use id bound to the session and person that asked, for a file the host wrote itself (never a
 * path the browser names). The host streams it at GET /api/download/<id> while that session lasts;
 * the file is overwritten and removed once it was sent whole, or when the offer expires.
 */
import crypto from 'node:crypto';
import type { Store } from '../../db/open';
import { shredFile } from '../../db/store-key';

/** Where the browser host serves an offer: this path and the offer's id. */
export const DOWNLOAD_PATH = '/api/download/';

/** How long an offer waits for the browser to fetch it. */
export const DOWNLOAD_TTL_MS = 60 * 60_000;

export interface DownloadOffer {
  id: string;
  file: string;
  /** The name the browser saves it under. */
  name: string;
  actorId: string;
  /** The session that asked: the download answers only while it is valid. */
  token: string;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

const offers = new WeakMap<Store, Map<string, DownloadOffer>>();

function offersOf(store: Store): Map<string, DownloadOffer> {
  let m = offers.get(store);
  if (!m) offers.set(store, (m = new Map()));
  return m;
}

/** Offers `file` (written by the host) for download by this session; returns the offer's id and when it expires. */
export function offerDownload(store: Store, o: { file: string; name: string; actorId: string; token: string; now: number }): { id: string; expiresAt: string } {
  const id = crypto.randomBytes(24).toString('base64url');
  const m = offersOf(store);
  const timer = setTimeout(() => withdrawDownload(store, id), DOWNLOAD_TTL_MS);
  timer.unref();
  m.set(id, { id, file: o.file, name: o.name, actorId: o.actorId, token: o.token, expiresAt: o.now + DOWNLOAD_TTL_MS, timer });
  return { id, expiresAt: new Date(o.now + DOWNLOAD_TTL_MS).toISOString() };
}

/** The offer with this id, if it is still waiting. */
export function findDownload(store: Store, id: string, now: number): DownloadOffer | null {
  const offer = offersOf(store).get(id);
  if (!offer) return null;
  if (offer.expiresAt <= now) {
    withdrawDownload(store, id);
    return null;
  }
  return offer;
}

/** Ends an offer (sent whole, or expired): its file is overwritten and removed. */
export function withdrawDownload(store: Store, id: string): void {
  const m = offersOf(store);
  const offer = m.get(id);
  if (!offer) return;
  m.delete(id);
  clearTimeout(offer.timer);
  shredFile(offer.file);
}
