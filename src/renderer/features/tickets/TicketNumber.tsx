/**
 * A ticket's number as people see it everywhere: a provisional number (given offline once the
 * device's leased numbers ran out) says so, and a renumbered ticket tells the number it was shown with.
 */
import { Badge, Text, Tooltip } from '@mantine/core';
import { isProvisional } from '../../../shared/numbers';

const PROVISIONAL_TIP = 'Provisional number, given offline: the ticket gets its real number at the next sync, and this one keeps leading to it.';

/** A small "provisional" mark to put beside a number, or nothing when the number is final. */
export function ProvisionalMark({ number, size = 'xs' }: { number: string; size?: 'xs' | 'sm' }) {
  if (!isProvisional(number)) return null;
  return (
    <Tooltip label={PROVISIONAL_TIP} multiline maw={300}>
      <Badge size={size} variant="outline" color="orange" data-testid="provisional-number" tabIndex={0}>
        provisional
      </Badge>
    </Tooltip>
  );
}

/** "Was INC-P-3F9A2C-1, numbered INC0001234 at sync." */
export function FormerNumber({ number, formerNumber }: { number: string; formerNumber: string | null }) {
  if (!formerNumber || formerNumber === number) return null;
  return (
    <Text size="xs" c="dimmed" data-testid="former-number">
      Was {formerNumber}, numbered {number} at sync. {formerNumber} still leads here.
    </Text>
  );
}
