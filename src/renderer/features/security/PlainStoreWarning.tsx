/** Top-bar warning shown while this device's store is not encrypted at rest (docs/encryption.md). */
import { Badge, Tooltip } from '@mantine/core';
import { IconLockOpen } from '@tabler/icons-react';
import { useCall } from '../../lib/query';

export function PlainStoreWarning() {
  const status = useCall('setup.status', {});
  if (!status.data || status.data.encrypted) return null;
  return (
    <Tooltip
      multiline
      w={320}
      label="Anyone who copies this device's files can read every ticket and asset. Start Outpost with a passphrase (npm run serve -- --passphrase-file F) to encrypt the store."
    >
      <Badge color="orange" variant="light" leftSection={<IconLockOpen size={14} />} data-testid="plain-store-warning">
        Not encrypted
      </Badge>
    </Tooltip>
  );
}
