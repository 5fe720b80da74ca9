/** The bar an import screen shows while its file is streamed to Outpost: bytes sent of the file's size. */
import { Progress, Stack, Text } from '@mantine/core';
import { formatNumber } from '../../lib/format';

/** A file's size as a person reads it. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toLocaleString(undefined, { maximumFractionDigits: 1 })} MB`;
  if (bytes >= 1024) return `${formatNumber(Math.ceil(bytes / 1024))} KB`;
  return `${formatNumber(bytes)} bytes`;
}

export function SendProgress({ done, total, testId }: { done: number; total: number; testId: string }) {
  return (
    <Stack gap={4}>
      <Progress
        value={total > 0 ? (100 * Math.min(done, total)) / total : 0}
        size="lg"
        aria-label="Sending the file"
        data-testid={testId}
        transitionDuration={200}
      />
      <Text size="xs" c="dimmed" role="status">
        Sending the file to Outpost: {sizeText(done)} of {sizeText(total)}
      </Text>
    </Stack>
  );
}
