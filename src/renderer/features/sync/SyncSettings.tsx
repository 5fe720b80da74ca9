/** Settings → Sync: join a server (URL, username, password), see this device, sync now, leave. */
import { useState } from 'react';
import { Alert, Button, Group, PasswordInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { fieldErrors } from '../common/issues';
import { ErrorState, Loading } from '../common/states';
import { chipText, lowNumbersWarning } from './SyncChip';

function JoinForm() {
  const [serverUrl, setUrl] = useState('http://');
  const [username, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      await api.call('sync.join', { serverUrl, username, password });
      notifications.show({ color: 'green', message: `Joined ${serverUrl}. The first sync runs in the background.` });
      setPassword('');
      changed('sync');
    } catch (e) {
      const fe = fieldErrors(e);
      setErrors(fe);
      if (!Object.keys(fe).length) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="sm" maw={460} component="form" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="sync-join-form">
      <Text size="sm" c="dimmed">
        This computer works on its own. Join a central server to share tickets with your team; everything keeps working offline and syncs when the server is reachable.
      </Text>
      <TextInput label="Server address" placeholder="http://server:4800" required value={serverUrl} onChange={(e) => setUrl(e.currentTarget.value)} error={errors.serverUrl} />
      <TextInput label="Username on the server" required value={username} onChange={(e) => setUser(e.currentTarget.value)} error={errors.username} autoComplete="username" />
      <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errors.password} autoComplete="current-password" />
      {error && <Alert color="red">{error}</Alert>}
      <Group>
        <Button type="submit" loading={busy}>
          Join server
        </Button>
      </Group>
    </Stack>
  );
}

export function SyncSettings() {
  const q = useCall('sync.status', {});
  const [busy, setBusy] = useState<'now' | 'leave' | null>(null);
  if (q.loading && !q.data) return <Loading />;
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const s = q.data!;
  const chip = chipText(s);
  const run = async (what: 'now' | 'leave') => {
    setBusy(what);
    try {
      if (what === 'now') {
        const r = await api.call('sync.now', {});
        notifications.show({ color: 'green', message: `Synced: ${r.pushed} sent, ${r.pulled} received.` });
      } else {
        await api.call('sync.leave', {});
        notifications.show({ message: 'This device left the server. Its data stays here.' });
      }
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(null);
      changed('sync');
    }
  };
  return (
    <Stack gap="sm" data-testid="sync-settings">
      {s.state === 'standalone' ? (
        <>
          {s.error && (
            <Alert color="orange" maw={640} data-testid="sync-rejoin">
              {s.error}
            </Alert>
          )}
          <JoinForm />
        </>
      ) : (
        <>
          <Table withRowBorders={false} maw={640}>
            <Table.Tbody>
              <Table.Tr><Table.Td w={180}>Server</Table.Td><Table.Td>{s.serverUrl}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td>Signed in as</Table.Td><Table.Td>{s.username}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td>Status</Table.Td><Table.Td data-testid="sync-state">{chip.text}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td>Waiting to send</Table.Td><Table.Td>{s.pending.toLocaleString()}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td>Last synced</Table.Td><Table.Td>{s.lastSyncedAt ? new Date(s.lastSyncedAt).toLocaleString() : 'Never'}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td>Open conflicts</Table.Td><Table.Td>{s.conflicts}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td>Refused by the server</Table.Td><Table.Td>{s.rejected}</Table.Td></Table.Tr>
              <Table.Tr><Table.Td>This device</Table.Td><Table.Td>{s.deviceName} <Text span size="xs" c="dimmed">({s.deviceId})</Text></Table.Td></Table.Tr>
              {s.numbers.map((n) => (
                <Table.Tr key={n.prefix} data-testid={`numbers-${n.prefix}`}>
                  <Table.Td>{n.prefix} numbers held</Table.Td>
                  <Table.Td>
                    {n.remaining.toLocaleString()} of a reserve of {n.reserve.toLocaleString()}
                    {n.provisional > 0 && ` · ${n.provisional.toLocaleString()} provisional, numbered at the next sync`}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {lowNumbersWarning(s) && (
            <Alert color="orange" data-testid="numbers-low">
              {lowNumbersWarning(s)}
            </Alert>
          )}
          {s.error && <Alert color={s.state === 'offline' ? 'orange' : 'red'}>{s.error}</Alert>}
          <Group>
            <Button onClick={() => void run('now')} loading={busy === 'now'}>Sync now</Button>
            <Button variant="default" color="red" onClick={() => void run('leave')} loading={busy === 'leave'}>
              Leave server
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
