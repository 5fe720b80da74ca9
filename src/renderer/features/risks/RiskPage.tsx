/** One risk: its scores in the matrix's colours (editable, with a reason), treatment and acceptance, controls, assets and the history of every score change. */
import { useState } from 'react';
import { Anchor, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { RISK_STAGES, RISK_STATUSES, RISK_TREATMENTS, type RiskStage } from '../../../shared/grc/matrix';
import type { Risk, RiskTicket } from '../../../shared/api/risks';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatDateTime } from '../../lib/format';
import { isStaff, useRole } from '../../stores/session';
import { ConflictBadge } from '../sync/ConflictsPage';
import { ErrorState, Loading } from '../common/states';
import { useLookups } from '../common/lookups';
import type { User } from '../../../shared/api/directory';
import { LevelBadge, RISK_STATUS_LABELS, STAGE_LABELS, ScoreSelects } from './common';

export function RiskPage({ id }: { id: string }) {
  const q = useCall('risks.get', { id });
  const staff = isStaff(useRole());
  const { users } = useLookups();
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading label="Loading the risk…" />;
  const r = q.data;
  const update = async (input: Omit<Parameters<typeof api.call<'risks.update'>>[1], 'id'>) => {
    try {
      await api.call('risks.update', { id, ...input });
      invalidate((n) => n.startsWith('risks.') || n.startsWith('controls.'));
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) });
    }
  };
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1100}>
        <Anchor size="sm" onClick={() => navigate('/risks')} component="button">
          ← Risks
        </Anchor>
        <Group justify="space-between" align="flex-start">
          <div>
            <Text c="dimmed" ff="monospace" data-testid="risk-number">
              {r.number}
              {r.formerNumber && (
                <Text span size="xs" ml="xs" ff="inherit">
                  (was {r.formerNumber}, numbered at sync)
                </Text>
              )}
            </Text>
            <Title order={2}>{r.title}</Title>
          </div>
          <Group gap="xs">
            {r.reviewOverdue && <Badge color="orange">Review overdue</Badge>}
            {r.acceptanceExpired && <Badge color="red">Acceptance expired</Badge>}
            {staff && <ConflictBadge recordId={id} />}
            {staff && (
              <Button size="xs" variant="light" onClick={() => void api.call('risks.review', { id }).then(() => invalidate((n) => n.startsWith('risks.')))}>
                Mark reviewed today
              </Button>
            )}
          </Group>
        </Group>
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          {RISK_STAGES.map((s) => (
            <ScoreCard key={s} risk={r} stage={s} editable={staff} onSave={(v, reason) => update({ [s]: v, ...(reason ? { reason } : {}) })} />
          ))}
        </SimpleGrid>
        <Card withBorder>
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <Select label="Status" data={RISK_STATUSES.map((s) => ({ value: s, label: RISK_STATUS_LABELS[s] }))} value={r.status} readOnly={!staff} onChange={(v) => v && void update({ status: v as Risk['status'] })} allowDeselect={false} />
            <Select label="Treatment" data={RISK_TREATMENTS.map((t) => ({ value: t, label: t[0]!.toUpperCase() + t.slice(1) }))} value={r.treatment} readOnly={!staff} clearable onChange={(v) => void update({ treatment: (v as Risk['treatment']) ?? null })} />
            <TextInput label="Review every (days)" defaultValue={r.reviewEveryDays ?? ''} readOnly={!staff} onBlur={(e) => void update({ reviewEveryDays: e.currentTarget.value ? Number(e.currentTarget.value) : null })} description={r.nextReviewOn ? `Next review ${r.nextReviewOn}` : 'No cadence'} />
          </SimpleGrid>
          <Select
            mt="sm"
            label="Owner"
            data={users.map((u) => ({ value: u.id, label: u.displayName }))}
            value={r.ownerId}
            readOnly={!staff}
            clearable
            searchable
            w={300}
            onChange={(v) => void update({ ownerId: v ?? null })}
          />
        </Card>
        <Acceptance risk={r} staff={staff} users={users} onSave={(acceptance) => update({ acceptance })} />
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          {(['threats', 'vulnerabilities', 'existingControls'] as const).map((f) => (
            <Textarea key={f} label={f === 'existingControls' ? 'Existing controls' : f[0]!.toUpperCase() + f.slice(1)} defaultValue={r[f] ?? ''} readOnly={!staff} autosize minRows={2} onBlur={(e) => e.currentTarget.value !== (r[f] ?? '') && void update({ [f]: e.currentTarget.value || null })} />
          ))}
        </SimpleGrid>
        <Controls risk={r} staff={staff} />
        <Card withBorder data-testid="risk-assets">
          <Text fw={600} mb="xs">
            Affected assets and locations
          </Text>
          {r.assets.length + r.locations.length === 0 ? (
            <Text size="sm" c="dimmed">
              None linked.
            </Text>
          ) : (
            <Group gap="md">
              {r.assets.map((a) => (
                <Anchor key={a.id} size="sm" href={`#/assets/${a.id}`}>
                  {a.tag} {a.name}
                </Anchor>
              ))}
              {r.locations.map((l) => (
                <Text key={l.id} size="sm">
                  {l.name}
                </Text>
              ))}
            </Group>
          )}
        </Card>
        <KnownExploited risk={r} staff={staff} />
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Incidents risk={r} />
          <LinkedTickets risk={r} staff={staff} />
        </SimpleGrid>
        <Card withBorder>
          <Text fw={600} mb="xs">
            Score history
          </Text>
          <Table fz="sm" data-testid="risk-history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Score</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th>To</Table.Th>
                <Table.Th>Why</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.history.map((h) => (
                <Table.Tr key={h.id}>
                  <Table.Td>{formatDateTime(h.at)}</Table.Td>
                  <Table.Td>{h.actorName ?? h.actorId}</Table.Td>
                  <Table.Td>{STAGE_LABELS[h.stage]}</Table.Td>
                  <Table.Td>{h.from.likelihood ? `${h.from.likelihood} × ${h.from.impact}` : '—'}</Table.Td>
                  <Table.Td>
                    <Group gap={6}>
                      {h.to.likelihood ? `${h.to.likelihood} × ${h.to.impact}` : '—'} <LevelBadge level={h.to.level} />
                    </Group>
                  </Table.Td>
                  <Table.Td>{h.reason ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      </Stack>
    </div>
  );
}

function ScoreCard({ risk, stage, editable, onSave }: { risk: Risk; stage: RiskStage; editable: boolean; onSave: (v: { likelihood: number; impact: number } | null, reason: string) => Promise<void> }) {
  const s = risk[stage];
  const [draft, setDraft] = useState<{ likelihood: number; impact: number } | null>(s.likelihood && s.impact ? { likelihood: s.likelihood, impact: s.impact } : null);
  const [reason, setReason] = useState('');
  const changed = (draft?.likelihood ?? null) !== s.likelihood || (draft?.impact ?? null) !== s.impact;
  return (
    <Card withBorder data-testid={`score-${stage}`}>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{STAGE_LABELS[stage]}</Text>
        <LevelBadge level={s.level} testid={`level-${stage}`} />
      </Group>
      {editable ? (
        <Stack gap="xs">
          <ScoreSelects matrixId={risk.matrixId} value={draft} onChange={setDraft} label={STAGE_LABELS[stage]} />
          {changed && (
            <>
              <TextInput label="Why" size="xs" value={reason} onChange={(e) => setReason(e.currentTarget.value)} placeholder="Kept in the history" />
              <Button size="xs" onClick={() => void onSave(draft, reason).then(() => setReason(''))}>
                Save {STAGE_LABELS[stage].toLowerCase()} score
              </Button>
            </>
          )}
        </Stack>
      ) : (
        <Text size="sm">{s.likelihood ? `Likelihood ${s.likelihood} × impact ${s.impact}` : 'Not scored'}</Text>
      )}
    </Card>
  );
}

const CONTROL_COLORS = { planned: 'yellow', active: 'green', deprecated: 'gray' } as const;

function Controls({ risk, staff }: { risk: Risk; staff: boolean }) {
  const all = useCall('controls.list', staff ? {} : null);
  const link = async (controlId: string, present: boolean) => {
    try {
      await api.call('risks.link', { id: risk.id, kind: 'control', targetId: controlId, present });
      invalidate((n) => n.startsWith('risks.') || n.startsWith('controls.'));
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
  };
  const options = (all.data?.items ?? []).filter((c) => !risk.controls.some((x) => x.id === c.id)).map((c) => ({ value: c.id, label: c.name }));
  return (
    <Card withBorder data-testid="risk-controls">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Applied controls</Text>
        {staff && <Select placeholder="Add a control" aria-label="Add a control" data={options} value={null} onChange={(v) => v && void link(v, true)} searchable w={260} size="xs" />}
      </Group>
      {risk.controls.length === 0 ? (
        <Text size="sm" c="dimmed">
          No control treats this risk yet.
        </Text>
      ) : (
        <Stack gap={4}>
          {risk.controls.map((c) => (
            <Group key={c.id} justify="space-between">
              <Group gap="xs">
                <Text size="sm">{c.name}</Text>
                <Badge size="sm" variant="light" color={CONTROL_COLORS[c.status]}>
                  {c.status}
                </Badge>
                {c.dueOn && (
                  <Text size="xs" c="dimmed">
                    due {c.dueOn}
                  </Text>
                )}
              </Group>
              {staff && (
                <Button size="compact-xs" variant="subtle" onClick={() => void link(c.id, false)}>
                  Remove
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}

function Acceptance({ risk, staff, users, onSave }: { risk: Risk; staff: boolean; users: User[]; onSave: (a: { approverId: string | null; justification: string | null; expiresOn: string | null }) => Promise<void> }) {
  const [approverId, setApprover] = useState<string | null>(risk.acceptance.approverId);
  const [justification, setJustification] = useState(risk.acceptance.justification ?? '');
  const [expiresOn, setExpires] = useState(risk.acceptance.expiresOn ?? '');
  const changed = approverId !== risk.acceptance.approverId || justification !== (risk.acceptance.justification ?? '') || expiresOn !== (risk.acceptance.expiresOn ?? '');
  return (
    <Card withBorder data-testid="risk-acceptance">
      <Text fw={600} mb="xs">
        Acceptance
      </Text>
      <Group align="flex-end">
        <Select label="Approved by" data={users.map((u) => ({ value: u.id, label: u.displayName }))} value={approverId} onChange={setApprover} readOnly={!staff} clearable searchable w={220} />
        <TextInput label="Expires on" placeholder="2026-12-31" value={expiresOn} onChange={(e) => setExpires(e.currentTarget.value)} readOnly={!staff} w={140} />
        <TextInput label="Justification" value={justification} onChange={(e) => setJustification(e.currentTarget.value)} readOnly={!staff} style={{ flex: 1 }} />
        {staff && changed && (
          <Button size="sm" onClick={() => void onSave({ approverId, justification: justification.trim() || null, expiresOn: expiresOn.trim() || null })}>
            Save acceptance
          </Button>
        )}
      </Group>
    </Card>
  );
}

function TicketLine({ t }: { t: RiskTicket }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Anchor size="sm" ff="monospace" href={`#/queue/${encodeURIComponent(t.number)}`}>
        {t.number}
      </Anchor>
      <Text size="sm" truncate style={{ flex: 1 }}>
        {t.title}
      </Text>
      {t.assetTag && (
        <Text size="xs" c="dimmed" ff="monospace">
          {t.assetTag}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {formatDateTime(t.openedAt)}
      </Text>
      <Badge size="xs" variant="light">
        {t.status.replace('_', ' ')}
      </Badge>
    </Group>
  );
}

/** The evidence for a likelihood: incidents on the affected assets in the last 90 days. */
function Incidents({ risk }: { risk: Risk }) {
  const { count, since, items } = risk.incidents;
  return (
    <Card withBorder data-testid="risk-incidents">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Incidents on its assets, last 90 days</Text>
        <Badge size="lg" variant="light" color={count ? 'orange' : 'gray'} data-testid="risk-incident-count">
          {count}
        </Badge>
      </Group>
      {risk.assets.length === 0 ? (
        <Text size="sm" c="dimmed">
          Link the affected assets to see the incidents opened on them.
        </Text>
      ) : count === 0 ? (
        <Text size="sm" c="dimmed">
          No incident on these assets since {since}.
        </Text>
      ) : (
        <Stack gap={4} mah={260} style={{ overflow: 'auto' }}>
          {items.map((t) => (
            <TicketLine key={t.id} t={t} />
          ))}
          {count > items.length && (
            <Text size="xs" c="dimmed">
              The {items.length} newest of {count} shown.
            </Text>
          )}
        </Stack>
      )}
    </Card>
  );
}

/** The known exploited vulnerabilities of its assets the risk is about (linked from an asset's KEV row); staff unlink them. */
function KnownExploited({ risk, staff }: { risk: Risk; staff: boolean }) {
  const unlink = async (assetId: string, cveId: string) => {
    try {
      await api.call('risks.linkKev', { id: risk.id, assetId, cveId, present: false });
      invalidate((n) => n.startsWith('risks.'));
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not unlinked', message: errorMessage(e) });
    }
  };
  return (
    <Card withBorder data-testid="risk-kev">
      <Text fw={600} mb="xs">
        Known exploited vulnerabilities
      </Text>
      {risk.kev.length === 0 ? (
        <Text size="sm" c="dimmed">
          None linked. Raise a risk from an asset's known exploited vulnerability to link one.
        </Text>
      ) : (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>CVE</Table.Th>
              <Table.Th>Vulnerability</Table.Th>
              <Table.Th>Due</Table.Th>
              <Table.Th>Ransomware</Table.Th>
              <Table.Th>Asset</Table.Th>
              {staff && <Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {risk.kev.map((k) => (
              <Table.Tr key={`${k.assetId} ${k.cveId}`} data-testid="risk-kev-row">
                <Table.Td ff="monospace">{k.cveId}</Table.Td>
                <Table.Td>{k.vulnerabilityName ?? ([k.vendorProject, k.product].filter(Boolean).join(' ') || 'Not in the KEV catalogue on this device')}</Table.Td>
                <Table.Td data-testid="risk-kev-due">{k.dueDate ?? '—'}</Table.Td>
                <Table.Td>{k.knownRansomware === null ? '—' : k.knownRansomware ? <Badge size="xs" color="red">known</Badge> : 'not known'}</Table.Td>
                <Table.Td>
                  <Anchor size="sm" href={`#/assets/${k.assetId}`} title={k.assetName} data-testid="risk-kev-asset">
                    {k.assetTag}
                  </Anchor>
                </Table.Td>
                {staff && (
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" onClick={() => void unlink(k.assetId, k.cveId)} aria-label={`Unlink ${k.cveId} on ${k.assetTag}`}>
                      Unlink
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** Tickets linked to the risk; staff link one by its number (the ticket's page shows the risk too). */
function LinkedTickets({ risk, staff }: { risk: Risk; staff: boolean }) {
  const [number, setNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  const link = async (ticketId: string, present: boolean) => {
    await api.call('risks.link', { id: risk.id, kind: 'ticket', targetId: ticketId, present });
    invalidate((n) => n.startsWith('risks.') || n.startsWith('tickets.'));
  };
  const add = async () => {
    setError(null);
    try {
      const t = await api.call('tickets.getByNumber', { number: number.trim() });
      await link(t.id, true);
      setNumber('');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Card withBorder data-testid="risk-tickets">
      <Text fw={600} mb="xs">
        Linked tickets
      </Text>
      {risk.tickets.length === 0 ? (
        <Text size="sm" c="dimmed">
          No ticket is linked to this risk.
        </Text>
      ) : (
        <Stack gap={4}>
          {risk.tickets.map((t) => (
            <Group key={t.id} gap="xs" wrap="nowrap">
              <div style={{ flex: 1, minWidth: 0 }}>
                <TicketLine t={t} />
              </div>
              {staff && (
                <Button size="compact-xs" variant="subtle" onClick={() => void link(t.id, false).catch((e) => setError(errorMessage(e)))} aria-label={`Unlink ${t.number}`}>
                  Unlink
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      )}
      {staff && (
        <Group mt="sm" gap="xs" align="flex-start">
          <TextInput
            size="xs"
            aria-label="Ticket number to link"
            placeholder="INC0001234"
            value={number}
            onChange={(e) => setNumber(e.currentTarget.value)}
            onKeyDown={(e) => e.key === 'Enter' && number.trim() && void add()}
            error={error}
            data-testid="risk-ticket-number"
          />
          <Button size="xs" variant="light" disabled={!number.trim()} onClick={() => void add()}>
            Link ticket
          </Button>
        </Group>
      )}
    </Card>
  );
}
