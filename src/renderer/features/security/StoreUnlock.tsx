/**
 * The unlock screen of a browser host started on an encrypted store: nothing opens until the store's
 * passphrase does (the host answers nothing else). Sign-in comes after.
 */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { api, errorMessage } from '../../lib/client';

export function StoreUnlockScreen({ onUnlocked }: { onUnlocked: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!passphrase) {
      setError('Enter the passphrase.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.call('store.unlock', { passphrase });
      onUnlocked();
    } catch (err) {
      setError(errorMessage(err));
      setPassphrase('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center h="100dvh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420} component="form" onSubmit={(e) => void submit(e)} data-testid="store-unlock">
        <Stack>
          <Group gap="xs">
            <IconLock size={22} aria-hidden />
            <Title order={1} size="h3">
              Unlock Outpost
            </Title>
          </Group>
          <Text size="sm" c="dimmed">
            This computer’s store is encrypted. Enter its passphrase to open it; you sign in after.
          </Text>
          {error && (
            <Alert color="red" variant="light" role="alert" data-testid="store-unlock-error">
              {error}
            </Alert>
          )}
          <PasswordInput label="Passphrase" autoComplete="current-password" autoFocus value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} />
          <Button type="submit" loading={busy} data-testid="store-unlock-submit">
            Unlock
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
