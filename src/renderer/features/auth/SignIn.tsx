/** Sign-in: username and password; says plainly when they do not match or the session expired. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { api, errorMessage } from '../../lib/client';
import { useSession } from '../../stores/session';

export function SignIn({ organisation }: { organisation: string | null }) {
  const signIn = useSession((s) => s.signIn);
  const expired = useSession((s) => s.expired);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      signIn(await api.call('session.login', { username, password }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center h="100dvh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={380} component="form" onSubmit={(e) => void submit(e)} data-testid="sign-in">
        <Stack>
          <div>
            <Title order={3}>Sign in to Outpost</Title>
            {organisation && (
              <Text c="dimmed" size="sm">
                {organisation}
              </Text>
            )}
          </div>
          {expired && !error && (
            <Alert color="yellow" variant="light">
              Your session ended. Sign in again to carry on.
            </Alert>
          )}
          {error && (
            <Alert color="red" variant="light" role="alert" data-testid="sign-in-error">
              {error}
            </Alert>
          )}
          <TextInput
            label="Username"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={busy}>
            Sign in
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
