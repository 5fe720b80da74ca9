/**
 * While a technician or administrator is signed in, this device looks for due SLA escalations every
 * minute (and at once on sign-in) and fires them; a level that fired shows as a notification here and
 * for anyone it notifies, on whichever device noticed it first.
 */
import { useEffect } from 'react';
import { notifications } from '@mantine/notifications';
import type { Role } from '../../../shared/api';
import { api } from '../../lib/client';
import { changed } from '../../lib/query';

const EVERY_MS = 60_000;

export function useEscalations(role: Role | null) {
  useEffect(() => {
    if (role !== 'admin' && role !== 'technician') return;
    let stopped = false;
    const run = async () => {
      try {
        const r = await api.call('sla.escalate', {});
        if (stopped || !r.fired.length) return;
        changed('sla');
        for (const f of r.fired.slice(0, 5)) notifications.show({ color: 'orange', title: `${f.number} escalated`, message: f.summary });
      } catch {
        // Offline or signed out meanwhile: the next round tries again.
      }
    };
    void run();
    const t = setInterval(() => void run(), EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [role]);
}
