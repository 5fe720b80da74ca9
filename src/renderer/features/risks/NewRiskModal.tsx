/** Raising a risk: a title and an inherent score, or a draft filled in from elsewhere (an asset's KEV exposure). */
import { useState } from 'react';
import { Button, Group, Modal, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { RiskDraft } from '../../../shared/api/risks';
import { api, errorMessage } from '../../lib/client';
import { invalidate } from '../../lib/query';
import { navigate } from '../../lib/router';
import { ScoreSelects } from './common';

export function NewRiskModal({
  onClose,
  matrixId,
  siteId,
  draft,
}: {
  onClose: () => void;
  matrixId: string | null;
  /** The register (site) the risk goes in; the person's first site when omitted. */
  siteId?: string | null;
  draft?: RiskDraft & { assetLabel?: string };
}) {
  const [title, setTitle] = useState(draft?.title ?? '');
  const [threats, setThreats] = useState(draft?.threats ?? '');
  const [vulnerabilities, setVulnerabilities] = useState(draft?.vulnerabilities ?? '');
  const [inherent, setInherent] = useState<{ likelihood: number; impact: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setBusy(true);
    try {
      const r = await api.call('risks.create', {
        title,
        ...(matrixId ? { matrixId } : {}),
        ...(inherent ? { inherent } : {}),
        ...(siteId ? { siteId } : {}),
        ...(draft ? { threats: threats || null, vulnerabilities: vulnerabilities || null, assetIds: draft.assetIds, kev: draft.kev, ...(draft.siteId ? { siteId: draft.siteId } : {}) } : {}),
      });
      invalidate((n) => n.startsWith('risks.') || n.startsWith('grc.'));
      notifications.show({ color: 'green', message: `${r.number} raised.` });
      onClose();
      navigate(`/risks/${r.id}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={draft ? 'Raise a risk from this exposure' : 'New risk'} size={draft ? 'lg' : 'md'}>
      <Stack>
        <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-autofocus required error={error} data-testid="risk-title" />
        {draft && (
          <>
            <Textarea label="Threats" value={threats} onChange={(e) => setThreats(e.currentTarget.value)} autosize minRows={2} data-testid="risk-threats" />
            <Textarea label="Vulnerabilities" value={vulnerabilities} onChange={(e) => setVulnerabilities(e.currentTarget.value)} autosize minRows={3} data-testid="risk-vulnerabilities" />
            {draft.assetLabel && (
              <Text size="sm" c="dimmed">
                Affected asset: {draft.assetLabel}
              </Text>
            )}
          </>
        )}
        <ScoreSelects matrixId={matrixId} value={inherent} onChange={setInherent} label="Inherent" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void save()} loading={busy} disabled={!title.trim()} data-testid="risk-save">
            Raise risk
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
