/**
 * Mounted once in the shell: catches scanner bursts on every screen. Without a screen-specific
 * handler, a scan goes to the audit in progress (if this computer has one) or opens the asset.
 */
import { notifications } from '@mantine/notifications';
import { api, errorMessage } from '../../lib/client';
import { navigate } from '../../lib/router';
import { useAuditUi } from '../audits/store';
import { beep } from './beep';
import { useScanCatcher } from './useScanCatcher';

const RESULT_WORDS = { found: 'found', duplicate: 'already scanned', unexpected: 'registered elsewhere', unknown: 'unknown tag' } as const;

async function scanIntoAudit(auditId: string, label: string, code: string) {
  try {
    const r = await api.call('audits.scan', { auditId, tag: code });
    beep(r.result);
    notifications.show({
      color: r.result === 'found' ? 'green' : r.result === 'duplicate' ? 'yellow' : r.result === 'unexpected' ? 'orange' : 'red',
      title: label,
      message: `${code}: ${RESULT_WORDS[r.result]} · ${r.counts.found}/${r.counts.expected} found`,
    });
  } catch (e) {
    beep('error');
    // A closed or deleted audit should stop catching scans, or every scan would fail the same way.
    useAuditUi.getState().setActive(null);
    notifications.show({
      color: 'red',
      title: 'The scan did not reach the audit',
      message: `${code}: ${errorMessage(e)} Scans now open assets again.`,
    });
  }
}

export function ScanCatcher() {
  useScanCatcher((code) => {
    const active = useAuditUi.getState().active;
    if (active) {
      void scanIntoAudit(active.id, active.label, code);
      return;
    }
    navigate(`/assets/${encodeURIComponent(code)}`);
  });
  return null;
}
