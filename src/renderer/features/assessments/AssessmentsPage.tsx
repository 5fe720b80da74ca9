/**
 * Compliance assessments (/assessments): the frameworks and assessments, starting one; an assessment
 * (/assessments/<id>) is the framework's tree, worked from the keyboard: ↑/↓ (or j/k) move, 1–5 set
 * the result, n jumps to the next requirement not yet assessed (the fast flow for long frameworks),
 * e is kept for evidence.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Button, Card, Group, Progress, Select, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconPlayerPlay } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { REQUIREMENT_RESULTS, type RequirementResult } from '../../../shared/grc/matrix';
import type { Progress as ProgressInfo, RequirementResultInfo } from '../../../shared/api/assessments';
import type { RequirementNode } from '../../../shared/api/grc';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { formatDateTime } from '../../lib/format';
import { useRole } from '../../stores/session';
import { useLookups } from '../common/lookups';
import { Empty, ErrorState, Loading } from '../common/states';
import { ImportLibraryButton } from '../risks/common';
import { EvidencePanel } from '../evidence/EvidencePanel';
import { PackButtons } from '../evidence/PackButtons';

export const RESULT_LABELS: Record<RequirementResult, string> = {
  compliant: 'Compliant',
  partially_compliant: 'Partially compliant',
  non_compliant: 'Non-compliant',
  not_applicable: 'Not applicable',
  not_assessed: 'Not assessed',
};
const RESULT_COLORS: Record<RequirementResult, string> = { compliant: 'green', partially_compliant: 'yellow', non_compliant: 'red', not_applicable: 'gray', not_assessed: 'gray' };
/** Keys 1–5 in this order. */
const KEYED: RequirementResult[] = ['compliant', 'partially_compliant', 'non_compliant', 'not_applicable', 'not_assessed'];

export function AssessmentsPage() {
  const { segments } = useRoute();
  return segments[1] ? <AssessmentView key={segments[1]} id={segments[1]} /> : <AssessmentList />;
}

function pct(p: ProgressInfo) {
  return p.total ? Math.round((p.assessed / p.total) * 100) : 0;
}

function AssessmentList() {
  const role = useRole();
  const canAssess = role === 'admin' || role === 'auditor';
  const fws = useCall('grc.frameworks', {});
  const list = useCall('assessments.list', {});
  const { sites } = useLookups();
  const [fw, setFw] = useState<string | null>(null);
  const [site, setSite] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    if (!fw) return;
    setBusy(true);
    try {
      const r = await api.call('assessments.start', { frameworkId: fw, ...(site ? { siteId: site } : {}) });
      invalidate((n) => n.startsWith('assessments.'));
      navigate(`/assessments/${r.id}`);
    } catch (e) {
      notifications.show({ color: 'red', title: 'The assessment could not start', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  if ((fws.error && !fws.data) || (list.error && !list.data)) return <ErrorState error={fws.error ?? list.error} onRetry={() => void (fws.refetch(), list.refetch())} />;
  if (!fws.data || !list.data) return <Loading label="Loading assessments…" />;
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1100}>
        <Group justify="space-between">
          <Title order={2}>Assessments</Title>
          {role === 'admin' && <ImportLibraryButton />}
        </Group>
        {fws.data.items.length === 0 ? (
          <Empty title="No framework yet">{role === 'admin' ? 'Import a framework from a CISO Assistant library (YAML), such as NIST CSF 2.0.' : 'An administrator imports frameworks from CISO Assistant libraries.'}</Empty>
        ) : (
          canAssess && (
            <Card withBorder>
              <Stack gap="sm">
                <Text fw={600}>Start an assessment</Text>
                <Group align="flex-end">
                  <Select label="Framework" data={fws.data.items.map((f) => ({ value: f.id, label: `${f.name} (${f.assessable} requirements)` }))} value={fw} onChange={setFw} w={360} data-testid="assessment-framework" />
                  <Select label="Scope" placeholder="The whole team" data={sites.map((s) => ({ value: s.id, label: s.name }))} value={site} onChange={setSite} clearable w={220} />
                  <Button leftSection={<IconPlayerPlay size={16} />} disabled={!fw} loading={busy} onClick={() => void start()} data-testid="assessment-start">
                    Start
                  </Button>
                </Group>
              </Stack>
            </Card>
          )
        )}
        {list.data.items.length === 0 ? (
          <Empty title="No assessment yet">{canAssess ? 'Start one above; it works offline and syncs when you reconnect.' : 'Auditors run assessments; they show here.'}</Empty>
        ) : (
          <Table striped highlightOnHover fz="sm" data-testid="assessment-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Assessment</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>By</Table.Th>
                <Table.Th>Progress</Table.Th>
                <Table.Th ta="right">Compliance</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((a) => (
                <Table.Tr key={a.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/assessments/${a.id}`)}>
                  <Table.Td>
                    <a href={`#/assessments/${a.id}`} onClick={(e) => (e.preventDefault(), navigate(`/assessments/${a.id}`))} style={{ color: 'inherit' }}>
                      {a.name}
                    </a>
                  </Table.Td>
                  <Table.Td>{formatDateTime(a.createdAt)}</Table.Td>
                  <Table.Td>{a.startedByName}</Table.Td>
                  <Table.Td>
                    {a.progress.assessed} / {a.progress.total}
                  </Table.Td>
                  <Table.Td ta="right">{a.progress.compliance === null ? '—' : `${a.progress.compliance}%`}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </div>
  );
}

const ROW = 34;

function AssessmentView({ id }: { id: string }) {
  const role = useRole();
  const canAssess = role === 'admin' || role === 'auditor';
  const a = useCall('assessments.get', { id });
  const tree = useCall('grc.framework', a.data ? { id: a.data.frameworkId } : null);
  const [local, setLocal] = useState<Map<string, RequirementResultInfo>>(new Map());
  const [progress, setProgress] = useState<ProgressInfo | null>(null);
  const [cursor, setCursor] = useState(0);
  const parentRef = useRef<HTMLDivElement>(null);
  const results = useMemo(() => {
    const m = new Map((a.data?.results ?? []).map((r) => [r.requirementId, r]));
    for (const [k, v] of local) m.set(k, v);
    return m;
  }, [a.data, local]);
  const nodes = tree.data?.nodes ?? [];
  const virt = useVirtualizer({ count: nodes.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW, overscan: 15 });
  useEffect(() => {
    if (nodes.length) virt.scrollToIndex(cursor);
  }, [cursor, nodes.length, virt]);

  const setResult = async (node: RequirementNode, result: RequirementResult, extra: { score?: number | null; observation?: string | null } = {}) => {
    if (!canAssess || !node.assessable) return;
    try {
      const r = await api.call('assessments.assess', { assessmentId: id, requirementId: node.id, result, ...extra });
      setLocal((m) => new Map(m).set(node.id, r.requirement));
      setProgress(r.progress);
      invalidate((n) => n === 'assessments.list');
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) });
    }
  };
  const move = (d: number) => setCursor((i) => Math.max(0, Math.min(nodes.length - 1, i + d)));
  const nextOpen = () => {
    for (let i = cursor + 1; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.assessable && (results.get(n.id)?.result ?? 'not_assessed') === 'not_assessed') return setCursor(i);
    }
  };
  const keys: Record<string, () => void> = {
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    j: () => move(1),
    k: () => move(-1),
    n: nextOpen,
    // Kept for evidence on this requirement (attached by the evidence screens).
    e: () => nodes[cursor] && window.dispatchEvent(new CustomEvent('outpost:evidence', { detail: { assessmentId: id, requirementId: nodes[cursor]!.id } })),
  };
  KEYED.forEach((r, i) => (keys[String(i + 1)] = () => nodes[cursor] && void setResult(nodes[cursor]!, r)));
  useKeys(keys, { enabled: !!nodes.length });

  if ((a.error && !a.data) || (tree.error && !tree.data)) return <ErrorState error={a.error ?? tree.error} onRetry={() => void (a.refetch(), tree.refetch())} />;
  if (!a.data || !tree.data) return <Loading label="Opening the assessment…" />;
  const p = progress ?? a.data.progress;
  const current = nodes[cursor];
  const scores = a.data.framework.scores;
  return (
    <Stack p="md" gap="sm" h="100%" style={{ overflow: 'hidden' }}>
      <Group justify="space-between" align="flex-start">
        <div>
          <Button variant="subtle" size="compact-sm" onClick={() => navigate('/assessments')}>
            ← Assessments
          </Button>
          <Title order={2}>{a.data.name}</Title>
        </div>
        <PackButtons kind="assessment" id={id} />
        <Stack gap={2} align="flex-end" w={280}>
          <Text size="sm" data-testid="assessment-progress">
            {p.assessed} of {p.total} assessed{p.compliance !== null ? ` · ${p.compliance}% compliant` : ''}
          </Text>
          <Progress value={pct(p)} w="100%" aria-label="Assessment progress" />
        </Stack>
      </Group>
      <Text size="xs" c="dimmed">
        ↑/↓ move · 1 compliant · 2 partially · 3 non-compliant · 4 not applicable · 5 not assessed · n next not assessed · e evidence
      </Text>
      <EvidencePanel />
      <Group align="stretch" gap="md" style={{ flex: 1, minHeight: 0 }} wrap="nowrap">
        <Stack gap={6} w={220} style={{ overflow: 'auto' }} data-testid="assessment-groups">
          {a.data.groups
            .filter((g) => g.depth === 1)
            .map((g) => (
              <div key={g.requirementId}>
                <Text size="xs" fw={600} truncate title={g.name ?? ''}>
                  {g.refId} {g.name}
                </Text>
                <Progress value={g.total ? (g.assessed / g.total) * 100 : 0} size="sm" aria-label={`${g.refId ?? g.name} progress`} />
                <Text size="xs" c="dimmed">
                  {g.assessed}/{g.total}
                  {g.score !== null ? ` · score ${g.score}` : ''}
                </Text>
              </div>
            ))}
        </Stack>
        <div
          ref={parentRef}
          tabIndex={0}
          role="listbox"
          aria-label="Requirements"
          aria-activedescendant={current ? `req-${current.id}` : undefined}
          data-testid="assessment-tree"
          style={{ flex: 1, overflow: 'auto', border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }}
        >
          <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
            {virt.getVirtualItems().map((v) => {
              const n = nodes[v.index]!;
              const res = results.get(n.id)?.result;
              return (
                <div
                  key={n.id}
                  id={`req-${n.id}`}
                  role="option"
                  aria-selected={v.index === cursor}
                  data-ref={n.refId ?? ''}
                  onClick={() => setCursor(v.index)}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW,
                    transform: `translateY(${v.start}px)`,
                    display: 'flex',
                    alignItems: 'center',
                    gap: 8,
                    paddingLeft: 8 + (n.depth - 1) * 16,
                    paddingRight: 8,
                    cursor: 'pointer',
                    background: v.index === cursor ? 'var(--mantine-color-blue-light)' : undefined,
                    fontWeight: n.assessable ? 400 : 600,
                  }}
                >
                  <Text size="sm" ff="monospace" w={90} style={{ flexShrink: 0 }}>
                    {n.refId}
                  </Text>
                  <Text size="sm" style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                    {n.name ?? n.description}
                  </Text>
                  {n.assessable && res && res !== 'not_assessed' && (
                    <Badge size="sm" variant="light" color={RESULT_COLORS[res]} data-testid={`result-${n.refId}`}>
                      {RESULT_LABELS[res]}
                    </Badge>
                  )}
                </div>
              );
            })}
          </div>
        </div>
        {current && (
          <Card withBorder w={340} style={{ overflow: 'auto' }} data-testid="requirement-panel">
            <Stack gap="xs">
              <Text fw={600}>{current.refId}</Text>
              {current.name && <Text size="sm">{current.name}</Text>}
              {current.description && (
                <Text size="sm" c="dimmed">
                  {current.description}
                </Text>
              )}
              {current.assessable ? (
                <RequirementEditor key={current.id} node={current} result={results.get(current.id)} scores={scores} disabled={!canAssess} onSave={(r, extra) => void setResult(current, r, extra)} />
              ) : (
                <Text size="xs" c="dimmed">
                  A heading: its requirements are below it.
                </Text>
              )}
            </Stack>
          </Card>
        )}
      </Group>
    </Stack>
  );
}

function RequirementEditor({
  result,
  scores,
  disabled,
  onSave,
}: {
  node: RequirementNode;
  result: RequirementResultInfo | undefined;
  scores: { score: number; name: string }[] | null;
  disabled: boolean;
  onSave: (r: RequirementResult, extra: { score?: number | null; observation?: string | null }) => void;
}) {
  const current = result?.result ?? 'not_assessed';
  const [obs, setObs] = useState(result?.observation ?? '');
  return (
    <Stack gap="xs">
      <Select label="Result" data={REQUIREMENT_RESULTS.map((r, i) => ({ value: r, label: `${KEYED.indexOf(r) + 1 || i + 1} · ${RESULT_LABELS[r]}` }))} value={current} disabled={disabled} onChange={(v) => v && onSave(v as RequirementResult, {})} allowDeselect={false} />
      {scores?.length ? (
        <Select label="Score" data={scores.map((s) => ({ value: String(s.score), label: `${s.score} · ${s.name}` }))} value={result?.score != null ? String(result.score) : null} disabled={disabled} clearable onChange={(v) => onSave(current, { score: v ? Number(v) : null })} />
      ) : null}
      <Textarea label="Observation" value={obs} disabled={disabled} autosize minRows={3} onChange={(e) => setObs(e.currentTarget.value)} onBlur={() => obs !== (result?.observation ?? '') && onSave(current, { observation: obs || null })} />
    </Stack>
  );
}
