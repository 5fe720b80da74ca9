/**
 * Evidence and findings of one requirement in an assessment, opened with `e` on the assessment tree
 * (the tree sends an `outpost:evidence` event): the files attached to the requirement's result (add
 * one, open one; a file added on another laptop shows "not yet downloaded" until it arrives), the
 * findings raised on it, raising one, and opening a finding's follow-up ticket.
 */
import { useEffect, useRef, useState } from 'react';
import { Badge, Button, FileInput, Group, Modal, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { FINDING_SEVERITIES, type FindingSeverity } from '../../../shared/sync/entities-evidence';
import { formatBytes } from '../../../shared/sync/blobs';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { downloadBase64 } from '../assets/files';
import { ErrorState, Loading } from '../common/states';
import { toBase64 } from './PackButtons';

interface Target {
  assessmentId: string;
  requirementId: string;
}

export function EvidencePanel() {
  const [target, setTarget] = useState<Target | null>(null);
  useEffect(() => {
    const open = (e: Event) => setTarget((e as CustomEvent<Target>).detail);
    window.addEventListener('outpost:evidence', open);
    return () => window.removeEventListener('outpost:evidence', open);
  }, []);
  return (
    <Modal opened={!!target} onClose={() => setTarget(null)} title="Evidence and findings" size="lg" closeButtonProps={{ "aria-label": "Close" }} data-testid="evidence-panel">
      {target && <PanelBody target={target} />}
    </Modal>
  );
}

function PanelBody({ target }: { target: Target }) {
  const list = useCall('evidence.list', { recordType: 'requirement_assessment', ...target });
  const findings = useCall('findings.list', { assessmentId: target.assessmentId, link: { kind: 'requirement', targetId: target.requirementId } });
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<FindingSeverity>('medium');
  const titleRef = useRef<HTMLInputElement>(null);
  const refresh = () => invalidate((n) => n.startsWith('evidence.') || n.startsWith('findings.'));

  const attach = async () => {
    if (!file) return;
    setBusy(true);
    try {
      await api.call('evidence.attach', { recordType: 'requirement_assessment', ...target, fileName: file.name, mediaType: file.type || 'application/octet-stream', content: toBase64(await file.arrayBuffer()) });
      setFile(null);
      refresh();
    } catch (e) {
      notifications.show({ color: 'red', title: 'The file was not attached', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  const open = async (id: string) => {
    try {
      const f = await api.call('evidence.file', { id });
      downloadBase64(f.content, f.filename, f.mime);
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
  };
  const raise = async () => {
    if (!title.trim()) return titleRef.current?.focus();
    setBusy(true);
    try {
      const a = await api.call('assessments.get', { id: target.assessmentId });
      await api.call('findings.create', {
        kind: 'non_conformity',
        title: title.trim(),
        severity,
        assessmentId: target.assessmentId,
        ...(a.siteId !== 'global' ? { siteId: a.siteId } : {}),
        links: [{ kind: 'requirement', targetId: target.requirementId }],
      });
      setTitle('');
      refresh();
    } catch (e) {
      notifications.show({ color: 'red', title: 'The finding was not raised', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  const openTicket = async (id: string) => {
    try {
      const f = await api.call('findings.openTicket', { id });
      refresh();
      notifications.show({ color: 'green', message: `Ticket ${f.ticketNumber ?? ''} opened for this finding.` });
    } catch (e) {
      notifications.show({ color: 'red', title: 'No ticket was opened', message: errorMessage(e) });
    }
  };

  return (
    <Stack gap="md">
      <Title order={4}>Evidence</Title>
      {list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Evidence could not be loaded" />
      ) : !list.data ? (
        <Loading />
      ) : !list.data.items.length ? (
        <Text size="sm" c="dimmed">
          No evidence yet. Assess the requirement, then attach photos, exports or documents.
        </Text>
      ) : (
        <Stack gap={4} data-testid="evidence-list">
          {list.data.items.map((e) => (
            <Group key={e.id} justify="space-between" wrap="nowrap">
              <Text size="sm" truncate>
                {e.fileName} · {formatBytes(e.size)} · {e.uploadedByName ?? 'unknown'}
              </Text>
              {e.available ? (
                <Button size="compact-xs" variant="subtle" onClick={() => void open(e.id)}>
                  Open
                </Button>
              ) : (
                <Badge color="gray" variant="light">
                  Not yet downloaded
                </Badge>
              )}
            </Group>
          ))}
        </Stack>
      )}
      <Group align="flex-end">
        <FileInput label="Attach a file" value={file} onChange={setFile} style={{ flex: 1 }} data-testid="evidence-file" clearable />
        <Button onClick={() => void attach()} disabled={!file} loading={busy} data-testid="evidence-attach">
          Attach
        </Button>
      </Group>
      <Title order={4}>Findings</Title>
      {!!findings.error && !findings.data && <ErrorState error={findings.error} onRetry={() => void findings.refetch()} title="Findings could not be loaded" />}
      {findings.data && !findings.data.items.length && <Text size="sm">No findings on this requirement.</Text>}
      {findings.data?.items.map((f) => (
        <Group key={f.id} justify="space-between" wrap="nowrap" data-testid="finding-row">
          <Text size="sm" truncate>
            <Badge size="xs" mr={6}>
              {f.severity}
            </Badge>
            {f.title} · {f.status.replace('_', ' ')}
          </Text>
          {f.ticketId ? (
            <Button size="compact-xs" variant="default" onClick={() => f.ticketNumber && navigate(`/queue/${f.ticketNumber}`)} data-testid="finding-ticket">
              {f.ticketNumber ?? 'Ticket'}
            </Button>
          ) : (
            <Button size="compact-xs" variant="light" onClick={() => void openTicket(f.id)} data-testid="finding-open-ticket">
              Open a ticket
            </Button>
          )}
        </Group>
      ))}
      <Group align="flex-end">
        <TextInput ref={titleRef} label="Raise a finding" placeholder="What is not as it should be" value={title} onChange={(e) => setTitle(e.currentTarget.value)} style={{ flex: 1 }} data-testid="finding-title" />
        <Select label="Severity" data={[...FINDING_SEVERITIES]} value={severity} onChange={(v) => v && setSeverity(v as FindingSeverity)} w={120} allowDeselect={false} />
        <Button onClick={() => void raise()} loading={busy} data-testid="finding-raise">
          Raise
        </Button>
      </Group>
    </Stack>
  );
}
