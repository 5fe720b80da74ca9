/**
 * Security settings: the team's idle lock (synced to every device), whether this device's store is
 * encrypted at rest (and encrypting it with a passphrase on the browser host), its cipher, and its backups.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Group, NumberInput, Stack, Text, Title } from '@mantine/core';
import { IDLE_LOCK_MAX_MINUTES } from '../../../shared/settings/team';
import { useCall } from '../../lib/query';
import { useRole } from '../../stores/session';
import { ErrorState, Loading } from '../common/states';
import { act } from '../tickets/actions';
import { BackupsSection, EncryptStore, ExportSection } from '../security/StoreSettings';
import { CIPHER_TEXT, StoreCipherSection } from '../security/StoreCipher';

export function SecuritySettings() {
  const q = useCall('settings.get', {});
  const status = useCall('setup.status', {});
  const store = useCall('store.state', {});
  const role = useRole();
  const [minutes, setMinutes] = useState<number | string>('');
  useEffect(() => {
    if (q.data) setMinutes(q.data.idleLockMinutes);
  }, [q.data]);
  if (!q.data) return q.error ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : <Loading />;
  const value = typeof minutes === 'number' ? minutes : Number.NaN;
  const valid = Number.isInteger(value) && value >= 0 && value <= IDLE_LOCK_MAX_MINUTES;
  const dirty = valid && value !== q.data.idleLockMinutes;
  return (
    <Stack gap="md" maw={640}>
      <Stack gap="xs">
        <Title order={2} size="h4">
          Idle lock
        </Title>
        <Text size="sm" c="dimmed">
          After this many minutes without keys or pointer, the console locks and asks the signed-in person for their password (checked on
          this device, so it works offline). The setting is shared with your whole team when devices sync. 0 turns the lock off.
        </Text>
        <NumberInput
          label="Lock after (minutes)"
          min={0}
          max={IDLE_LOCK_MAX_MINUTES}
          allowDecimal={false}
          w={220}
          value={minutes}
          onChange={setMinutes}
          disabled={role !== 'admin'}
          error={minutes !== '' && !valid ? `A whole number from 0 to ${IDLE_LOCK_MAX_MINUTES}.` : undefined}
          data-testid="idle-lock-minutes"
        />
        {role === 'admin' && (
          <Group>
            <Button disabled={!dirty} onClick={() => void act('settings.update', { idleLockMinutes: value }, 'Idle lock saved.')}>
              Save idle lock
            </Button>
          </Group>
        )}
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h4">
          This device's store
        </Title>
        {status.data?.encrypted ? (
          <Alert color="green" variant="light" data-testid="store-encrypted">
            The store on this device is encrypted at rest{store.data?.cipher ? ` with ${CIPHER_TEXT[store.data.cipher].name}` : ''}: a copy of its
            files cannot be read without the key.
          </Alert>
        ) : (
          <Alert color="orange" variant="light" data-testid="store-plain">
            The store on this device is not encrypted: anyone who copies its files can read every record.{' '}
            {store.data?.canProtect
              ? role === 'admin'
                ? 'Encrypt it with a passphrase below; Outpost then asks for it at each start.'
                : 'An administrator can encrypt it with a passphrase here.'
              : 'On the browser host, start Outpost with a passphrase (npm run serve -- --passphrase-file F) and the store is encrypted on that start.'}
          </Alert>
        )}
        {!status.data?.encrypted && store.data?.canProtect && role === 'admin' && (
          <EncryptStore
            onDone={() => {
              void status.refetch();
              void store.refetch();
            }}
          />
        )}
        {status.data?.encrypted && store.data?.cipher && role === 'admin' && <StoreCipherSection current={store.data.cipher} onDone={() => void store.refetch()} />}
      </Stack>
      {role === 'admin' && <BackupsSection />}
      {role === 'admin' && <ExportSection />}
    </Stack>
  );
}
