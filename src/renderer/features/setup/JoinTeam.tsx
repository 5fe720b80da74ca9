/**
 * First run on a laptop of an existing team: the team's server address and the person's own
 * account. The device signs in there, pulls the team's sites, people and settings, and opens as
 * that person; it creates no administrator or site of its own.
 */
import { useState } from 'react';
import { Alert, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { api, errorMessage } from '../../lib/client';
import { useSession } from '../../stores/session';
import { fieldErrors } from '../common/issues';

export function JoinTeam({ onBack, onDone }: { onBack: () => void; onDone: () => void }) {
  const signIn = useSession((s) => s.signIn);
  const [serverUrl, setServerUrl] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const join = async () => {
    const e: Record<string, string> = {};
    if (!serverUrl.trim()) e.serverUrl = 'Enter the address of your team’s Outpost server, such as http://server:4800.';
    if (!username.trim()) e.username = 'Username is required.';
    if (!password) e.password = 'Password is required.';
    setErrors(e);
    if (Object.keys(e).length) return;
    setBusy(true);
    setError(null);
    try {
      const session = await api.call('setup.join', { serverUrl: serverUrl.trim(), username, password });
      signIn(session);
      notifications.show({ color: 'green', message: `Joined the team as ${session.user.displayName}.` });
      onDone();
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={(ev) => {
        ev.preventDefault();
        void join();
      }}
      data-testid="join-team"
    >
      <Stack>
        <Text size="sm" c="dimmed">
          Sign in with your account on the team’s server. This computer then receives the team’s sites, people and settings, and the tickets you may see.
        </Text>
        <TextInput
          label="Server address"
          placeholder="http://server:4800"
          required
          value={serverUrl}
          onChange={(ev) => setServerUrl(ev.currentTarget.value)}
          error={errors.serverUrl}
          autoFocus
        />
        <TextInput label="Username" required value={username} onChange={(ev) => setUsername(ev.currentTarget.value)} error={errors.username} autoComplete="username" />
        <PasswordInput
          label="Password"
          required
          value={password}
          onChange={(ev) => setPassword(ev.currentTarget.value)}
          error={errors.password}
          autoComplete="current-password"
        />
        {busy && (
          <Text size="sm" c="dimmed" role="status">
            Signing in and receiving the team’s data…
          </Text>
        )}
        {error && (
          <Alert color="red" variant="light" role="alert" data-testid="join-team-error">
            {error}
          </Alert>
        )}
        <Group justify="space-between">
          <Button variant="default" onClick={onBack} disabled={busy}>
            Back
          </Button>
          <Button type="submit" loading={busy} data-testid="join-team-submit">
            Join team
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
