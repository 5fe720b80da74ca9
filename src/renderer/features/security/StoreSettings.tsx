/**
 * Settings › Security, for this device's store: encrypting a plain store with a passphrase (browser
 * host, administrators), and its backups — listed with time, size and check, written now, or restored.
 */
import { useState } from 'react';
import { Alert, Button, Group, Modal, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { api, errorMessage } from '../../lib/client';
import { useCall } from '../../lib/query';
import { formatDateTime, formatNumber } from '../../lib/format';
import { useSession } from '../../stores/session';
import { ErrorState, Loading } from '../common/states';
import { PassphraseFields, usePassphraseForm } from './PassphraseFields';
import { downloadUrl } from '../assets/files';
import type { BackupSummary, ExportSummary } from '../../../shared/api/store';

/** "Encrypt this store" for an administrator on the browser host, while the store is plain. */
export function EncryptStore({ onDone }: { onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const form = usePassphraseForm(async (passphrase) => {
    await api.call('store.protect', { passphrase });
    notifications.show({ color: 'green', message: 'The store is encrypted. Outpost asks for the passphrase each time it starts.' });
    setOpen(false);
    onDone();
  });
  return (
    <>
      <Group>
        <Button onClick={() => setOpen(true)} data-testid="encrypt-store">
          Encrypt this store…
        </Button>
      </Group>
      <Modal opened={open} onClose={() => setOpen(false)} title="Encrypt this store with a passphrase" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack
          component="form"
          onSubmit={(e) => {
            e.preventDefault();
            void form.submit();
          }}
        >
          <Text size="sm">
            An encrypted copy of the store is written and checked (integrity, every table’s rows, the audit trail) before it takes the plain
            store’s place; the plain file is then overwritten. From the next start, Outpost opens only with the passphrase.
          </Text>
          <PassphraseFields {...form.fields} autoFocus />
          {form.error && (
            <Alert color="red" variant="light" role="alert">
              {form.error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)} disabled={form.busy}>
              Cancel
            </Button>
            <Button type="submit" loading={form.busy} data-testid="encrypt-store-submit">
              Encrypt
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${formatNumber(Math.round((bytes / 1024 / 1024) * 10) / 10)} MB` : `${formatNumber(Math.ceil(bytes / 1024))} KB`;
}

/** Backups of this device's store (administrators). */
export function BackupsSection() {
  const q = useCall('store.backups', {});
  const signOut = useSession((s) => s.signOut);
  const [busy, setBusy] = useState(false);
  const [restoring, setRestoring] = useState<BackupSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const backupNow = async () => {
    setBusy(true);
    try {
      await api.call('store.backup', {});
      notifications.show({ color: 'green', message: 'Backup written and checked.' });
      await q.refetch();
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  const restore = async () => {
    if (!restoring) return;
    setBusy(true);
    setError(null);
    try {
      await api.call('store.restore', { name: restoring.name });
      notifications.show({ color: 'green', message: `Restored the backup of ${formatDateTime(restoring.at)}. Sign in to carry on.` });
      setRestoring(null);
      // The restored store has its own sessions: everyone signs in again.
      await api.call('session.logout', {}).catch(() => undefined);
      signOut();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs" data-testid="backups">
      <Title order={2} size="h4">
        Backups
      </Title>
      <Text size="sm" c="dimmed">
        Outpost backs up this device’s store on a schedule, encrypted like the store itself, and checks each copy when it is written (it
        opens, passes SQLite’s integrity check and the audit trail’s chain); a copy that fails is removed.
      </Text>
      <Group>
        <Button variant="default" onClick={() => void backupNow()} loading={busy && !restoring} data-testid="backup-now">
          Back up now
        </Button>
      </Group>
      {q.data === undefined ? (
        q.error ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <Loading />
        )
      ) : q.data.length === 0 ? (
        <Text size="sm" data-testid="backups-empty">
          No backup yet. The first scheduled one is written within a day of the first start, or now with Back up now.
        </Text>
      ) : (
        <Table striped withTableBorder data-testid="backups-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Taken</Table.Th>
              <Table.Th>Size</Table.Th>
              <Table.Th>Check</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.map((b) => (
              <Table.Tr key={b.name}>
                <Table.Td>{formatDateTime(b.at)}</Table.Td>
                <Table.Td>{size(b.bytes)}</Table.Td>
                <Table.Td>Checked when written</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="light" color="orange" onClick={() => setRestoring(b)} aria-label={`Restore this backup (${formatDateTime(b.at)})`}>
                    Restore this backup
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={restoring !== null} onClose={() => setRestoring(null)} title="Restore this backup?" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
        {restoring && (
          <Stack data-testid="restore-confirm">
            <Text size="sm">The store goes back to the backup of {formatDateTime(restoring.at)}. What happens:</Text>
            <Text size="sm" component="ul" m={0}>
              <li>The backup is checked again first; if it does not check out, nothing changes.</li>
              <li>The current store is kept aside as outpost.db.before-restore in the data folder, until the next restore.</li>
              <li>The console carries on on the restored store: everyone signs in again, with the passwords as they were then.</li>
              <li>
                On a device that syncs, the server recognises a copied store: it carries on under a new device id, sends the changes it held
                that the server has not seen and receives everything since. Nothing synced is lost and nothing is doubled; changes made here
                after the backup and never synced are not in it.
              </li>
            </Text>
            {error && (
              <Alert color="red" variant="light" role="alert">
                {error}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRestoring(null)} disabled={busy}>
                Cancel
              </Button>
              <Button color="orange" onClick={() => void restore()} loading={busy} data-testid="restore-confirm-submit">
                Restore this backup
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

/**
 * Export everything (administrators): one file to import on a new machine, under a passphrase chosen
 * now. The desktop asks where to save it; in a browser it arrives as a download.
 */
export function ExportSection() {
  const [done, setDone] = useState<ExportSummary | null>(null);
  const form = usePassphraseForm(async (passphrase) => {
    const r = await api.call('store.export', { passphrase });
    if (r.download) downloadUrl(r.download.url, r.download.name);
    setDone(r);
  });
  return (
    <Stack
      gap="xs"
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        void form.submit();
      }}
      data-testid="export-everything"
    >
      <Title order={2} size="h4">
        Export everything
      </Title>
      <Text size="sm" c="dimmed">
        For moving to a new machine: one file holding the store, every evidence file and the store’s key, encrypted with the passphrase you
        choose here. On the new machine choose “Import from another machine” at first run (or npm run restore -- FILE
        --export-passphrase-file F).
      </Text>
      <PassphraseFields {...form.fields} subject="export" />
      {form.error && (
        <Alert color="red" variant="light" role="alert">
          {form.error}
        </Alert>
      )}
      {done?.cancelled && (
        <Alert color="gray" variant="light" data-testid="export-done">
          Not exported: no file was chosen.
        </Alert>
      )}
      {done && !done.cancelled && (
        <Alert color="green" variant="light" data-testid="export-done">
          {done.download
            ? `Downloading ${done.download.name} (${size(done.bytes)}, ${formatNumber(done.blobs)} evidence files). The host keeps it for an hour or until it is downloaded whole.`
            : `Saved to ${done.file} (${size(done.bytes)}, ${formatNumber(done.blobs)} evidence files).`}{' '}
          Keep the file and its passphrase apart: together they open everything.
        </Alert>
      )}
      <Group>
        <Button type="submit" variant="default" loading={form.busy} data-testid="export-everything-submit">
          Export everything
        </Button>
      </Group>
    </Stack>
  );
}
