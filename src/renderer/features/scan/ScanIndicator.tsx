/** The top bar's scan indicator: lights while a scanner burst is caught, names where scans go. */
import { Badge, CloseButton, Group, Tooltip } from '@mantine/core';
import { IconBarcode } from '@tabler/icons-react';
import { useAuditUi } from '../audits/store';
import { useScanStore } from './store';

export function ScanIndicator() {
  const lit = useScanStore((s) => s.lit);
  const lastCode = useScanStore((s) => s.lastCode);
  const screenTarget = useScanStore((s) => s.targetLabel);
  const audit = useAuditUi((s) => s.active);
  const setAudit = useAuditUi((s) => s.setActive);
  const target = screenTarget ?? audit?.label ?? null;
  const where = target ? `Scans go to: ${target}` : 'Scans open the asset';
  return (
    <Group gap={2} wrap="nowrap">
      <Tooltip label={lastCode ? `${where}. Last scan: ${lastCode}` : `${where}. Scan a tag from any screen.`}>
        <Badge
          data-testid="scan-indicator"
          data-lit={lit ? 'true' : 'false'}
          variant={lit ? 'filled' : 'light'}
          color={lit ? 'teal' : target ? 'teal' : 'gray'}
          leftSection={<IconBarcode size={14} />}
          style={{ transition: 'background-color 120ms', textTransform: 'none' }}
          aria-live="polite"
        >
          {target ? shorten(target) : 'Scan'}
        </Badge>
      </Tooltip>
      {audit && !screenTarget && (
        <Tooltip label="Stop sending scans to this audit">
          <CloseButton size="xs" onClick={() => setAudit(null)} aria-label="Stop sending scans to the audit" />
        </Tooltip>
      )}
    </Group>
  );
}

function shorten(s: string) {
  return s.length > 28 ? `${s.slice(0, 27)}…` : s;
}
