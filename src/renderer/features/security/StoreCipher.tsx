/**
 * Settings › Security, for an encrypted store: the cipher it is in, and switching it (administrators,
 * their password asked again). Each choice says what it opens in and what it costs. See
 * docs/encryption.md, "Choosing a SQLCipher scheme for a store".
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Group, Modal, PasswordInput, Radio, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { api, errorMessage } from '../../lib/client';
import { STORE_CIPHERS, type StoreCipher } from '../../../shared/api/store';

/** What each cipher is, where the store then opens, and its cost (figures: docs/encryption.md). */
export const CIPHER_TEXT: Record<StoreCipher, { name: string; what: string; cost: string }> = {
  'aegis-256x4': {
    name: 'AEGIS-256X4 (default)',
    what: 'Authenticated encryption on the processor’s AES instructions, four blocks at a time where the processor has wide AES instructions. Opens in Outpost and other SQLite3 Multiple Ciphers builds, not in SQLCipher’s tools.',
    cost: 'The fastest: about 0.3 to 0.4 µs more per page read from the file than a plain store, and nothing measurable per page written, in Outpost’s measurements.',
  },
  'aegis-256': {
    name: 'AEGIS-256',
    what: 'The same cipher one block at a time: Outpost’s default before AEGIS-256X4. Opens in Outpost and other SQLite3 Multiple Ciphers builds, not in SQLCipher’s tools.',
    cost: 'About twice AEGIS-256X4’s cost per page read from the file (0.7 to 0.8 µs more than a plain store); the same per page written.',
  },
  'sqlcipher-4': {
    name: 'SQLCipher 4',
    what: 'AES-256-CBC with an HMAC-SHA512 per page: SQLCipher 4’s defaults. Opens in SQLCipher 4 and the tools built on it (DB Browser for SQLite’s SQLCipher build) with the store’s raw key.',
    cost: 'Many times AEGIS’s cost: 12 to 53 µs more per page written and about 9 µs more per page read than a plain store; a single edit took 88 % longer than on a plain store in Outpost’s benchmark.',
  },
  'sqlcipher-3': {
    name: 'SQLCipher 3, 4096-byte pages',
    what: 'AES-256-CBC with an HMAC-SHA1 per page. Opens in SQLCipher 3 (such as Debian’s sqlcipher package) with cipher_page_size = 4096, and in SQLCipher 4 with cipher_compatibility = 3.',
    cost: 'A little less than SQLCipher 4: 21 to 48 µs more per page written than a plain store.',
  },
};

export function StoreCipherSection({ current, onDone }: { current: StoreCipher; onDone: () => void }) {
  const [choice, setChoice] = useState<StoreCipher>(current);
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setChoice(current), [current]);
  const close = () => {
    setConfirming(false);
    setPassword('');
    setError(null);
  };
  const submit = async () => {
    if (!password) {
      setError('Enter your password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.call('store.setCipher', { cipher: choice, password });
      notifications.show({ color: 'green', message: `The store is now encrypted with ${CIPHER_TEXT[choice].name}, checked, and stays so at every start.` });
      close();
      onDone();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs" data-testid="store-cipher">
      <Title order={3} size="h5">
        Cipher
      </Title>
      <Text size="sm" data-testid="store-cipher-current">
        This store is encrypted with {CIPHER_TEXT[current].name}.
      </Text>
      {current === 'aegis-256' && (
        <Text size="sm" data-testid="store-cipher-upgrade">
          AEGIS-256X4 is the same cipher at about half the cost per page read. Outpost brings stores in AEGIS-256 to it at start only
          when that takes seconds; switching this one re-encrypts the whole store, about 20 seconds a GB, while the console waits.
        </Text>
      )}
      <Text size="sm" c="dimmed">
        To open a copy in SQLCipher’s own tools, the browser host prints the pragmas and key with npm run store-key -- --data-dir D
        --passphrase-file F (docs/encryption.md says which tools open which cipher).
      </Text>
      <Radio.Group value={choice} onChange={(v) => setChoice(v as StoreCipher)} label="Encrypt this store with" name="store-cipher">
        <Stack gap="xs" mt="xs">
          {STORE_CIPHERS.map((c) => (
            <Radio key={c} value={c} label={CIPHER_TEXT[c].name} description={`${CIPHER_TEXT[c].what} ${CIPHER_TEXT[c].cost}`} data-testid={`cipher-${c}`} />
          ))}
        </Stack>
      </Radio.Group>
      <Group>
        <Button variant="default" disabled={choice === current} onClick={() => setConfirming(true)} data-testid="store-cipher-switch">
          Switch cipher…
        </Button>
      </Group>
      <Modal opened={confirming} onClose={close} title={`Encrypt this store with ${CIPHER_TEXT[choice].name}?`} size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack
          component="form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          data-testid="store-cipher-confirm"
        >
          <Text size="sm" component="ul" m={0}>
            <li>
              A copy of the store is encrypted with {CIPHER_TEXT[choice].name} under the same key and checked (SQLite’s integrity check, every
              table’s rows, the audit trail) before it takes the store’s place; if it does not check out, nothing changes.
            </li>
            <li>The console pauses while it runs: seconds on a small store, minutes on a very large one. Nobody is signed out.</li>
            <li>Every later start keeps this cipher, and so do new backups and exports; older backups still restore.</li>
            <li>{CIPHER_TEXT[choice].cost}</li>
          </Text>
          <PasswordInput label="Your password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" data-autofocus />
          {error && (
            <Alert color="red" variant="light" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} data-testid="store-cipher-submit">
              Re-encrypt the store
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
