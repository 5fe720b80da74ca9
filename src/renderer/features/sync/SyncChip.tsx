/** The sync chip in the top bar: offline · syncing · synced hh:mm · n pending · error with its reason. */
import { useEffect } from 'react';
import { Badge, Tooltip, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { SyncStatus } from '../../../shared/api/sync';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';

/**
 * Said in the top bar and on Settings → Sync when this device holds few leased numbers: once they
 * run out offline, new tickets get provisional numbers until the next sync.
 */
export function lowNumbersWarning(s: SyncStatus): string | null {
  const low = s.numbers.filter((n) => n.low);
  if (!low.length) return null;
  const which = low.map((n) => `${n.remaining.toLocaleString()} ${n.prefix}`).join(' and ');
  return `Only ${which} numbers left on this device. They are topped up whenever it reaches the server; once they run out offline, new tickets get provisional numbers (such as ${low[0]!.prefix}-P-…) until the next sync.`;
}

export function chipText(s: SyncStatus, locale?: string): { text: string; color: string; tip: string } {
  const time = s.lastSyncedAt ? new Date(s.lastSyncedAt).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }) : null;
  switch (s.state) {
    case 'standalone':
      return { text: 'Local', color: 'gray', tip: 'Working on this computer only. Join a server in Settings → Sync.' };
    case 'syncing':
      return { text: 'Syncing…', color: 'blue', tip: `Syncing with ${s.serverUrl}` };
    case 'offline':
      return { text: s.pending ? `Offline · ${s.pending} pending` : 'Offline', color: 'orange', tip: s.error ?? 'The server cannot be reached; changes are kept and sent later.' };
    case 'error':
      return { text: 'Sync error', color: 'red', tip: s.error ?? 'The last sync failed.' };
    case 'synced':
      return s.pending
        ? { text: `${s.pending} pending`, color: 'yellow', tip: `Last synced ${time ?? 'never'}` }
        : { text: time ? `Synced ${time}` : 'Synced', color: 'green', tip: `Up to date with ${s.serverUrl}` };
  }
}

/**
 * The operating system knows first when the network comes back: the window's `online` event tells
 * the device to try its server now instead of waiting for its next probe.
 */
function useForwardOnline() {
  useEffect(() => {
    const onOnline = () => {
      api.call('sync.online', {}).then(
        () => changed('sync'),
        () => undefined,
      );
    };
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, []);
}

export function SyncChip() {
  useForwardOnline();
  const q = useCall('sync.status', {});
  const s = q.data;
  if (!s) return null;
  const c = chipText(s);
  const onClick = async () => {
    if (s.state === 'standalone') return navigate('/settings/sync');
    try {
      const r = await api.call('sync.now', {});
      notifications.show({ color: 'green', message: `Synced: ${r.pushed} sent, ${r.pulled} received${r.conflicts ? `, ${r.conflicts} new conflict(s)` : ''}.` });
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      changed('sync');
    }
  };
  const low = lowNumbersWarning(s);
  return (
    <>
      <Tooltip label={c.tip} multiline maw={320}>
        <UnstyledButton onClick={() => void onClick()} aria-label={`Sync status: ${c.text}`} data-testid="sync-chip">
          <Badge variant="light" color={c.color} style={{ cursor: 'pointer' }}>
            {c.text}
          </Badge>
        </UnstyledButton>
      </Tooltip>
      {low && (
        <Tooltip label={low} multiline maw={320}>
          <UnstyledButton onClick={() => navigate('/settings/sync')} aria-label={`Few numbers left: ${low}`} data-testid="numbers-low-chip">
            <Badge variant="light" color="orange" style={{ cursor: 'pointer' }}>
              Few numbers left
            </Badge>
          </UnstyledButton>
        </Tooltip>
      )}
    </>
  );
}
