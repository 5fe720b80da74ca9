/**
 * While a technician or administrator is signed in, this device routes requesters' new tickets that
 * no device has routed yet (a requester cannot read the rules): every minute, and soon after a sync
 * brings tickets. Whichever staff device sees such a ticket first routes it; the history shows one
 * routing however many devices did it while apart.
 */
import { useEffect } from 'react';
import type { Role } from '../../../shared/api';
import { api } from '../../lib/client';
import { changed, onDomainChange } from '../../lib/query';

const EVERY_MS = 60_000;
/** Tickets arrive a page at a time: one run after the pages of a sync have settled. */
const AFTER_PULL_MS = 1_000;

export function useRaisedRouting(role: Role | null) {
  useEffect(() => {
    if (role !== 'admin' && role !== 'technician') return;
    let stopped = false;
    let running = false;
    let soon: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        const r = await api.call('routing.routeRaised', {});
        if (!stopped && r.routed.length) changed('tickets');
      } catch {
        // Offline or signed out meanwhile: the next round tries again.
      } finally {
        running = false;
      }
    };
    void run();
    const every = setInterval(() => void run(), EVERY_MS);
    const off = onDomainChange((d) => {
      if (d !== 'tickets') return;
      clearTimeout(soon);
      soon = setTimeout(() => void run(), AFTER_PULL_MS);
    });
    return () => {
      stopped = true;
      clearInterval(every);
      clearTimeout(soon);
      off();
    };
  }, [role]);
}
