/**
 * Reports on demand: a service review for a period, licence compliance and the asset register, each
 * as PDF or CSV, made from this device's records. Every report names its filters, when it was made
 * and the audit-chain head at that moment (docs/kpis.md, "Reports").
 */
import { useState, type ReactNode } from 'react';
import { Button, Card, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload } from '@tabler/icons-react';
import type { ReportFile, ReportFormat } from '../../../shared/api/reports';
import { api, errorMessage } from '../../lib/client';
import { useLookups } from '../common/lookups';
import { useCall } from '../../lib/query';
import { downloadBase64, downloadText } from '../assets/files';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The last whole calendar month (UTC), the usual span of a monthly service review. */
function lastMonth(now = new Date()): { from: string; to: string } {
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const prev = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  return { from: isoDay(prev), to: isoDay(first - DAY) };
}

function save(r: ReportFile) {
  if (r.encoding === 'base64') downloadBase64(r.content, r.filename, r.mime);
  else downloadText(r.content, r.filename, r.mime);
  notifications.show({ color: 'green', message: `Saved ${r.filename}${r.chainHead ? ` (audit-trail chain head ${r.chainHead.slice(0, 12)}…)` : ''}.` });
}

/** One report: what it holds, its own filters, and a PDF and a CSV button. */
function ReportCard(props: { id: string; title: string; description: string; children?: ReactNode; make: (format: ReportFormat) => Promise<ReportFile>; invalid?: string | null }) {
  const [busy, setBusy] = useState<ReportFormat | null>(null);
  const run = async (format: ReportFormat) => {
    setBusy(format);
    try {
      save(await props.make(format));
    } catch (e) {
      notifications.show({ color: 'red', title: `The ${props.title.toLowerCase()} could not be made`, message: errorMessage(e), autoClose: 8000 });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card withBorder padding="md" component="section" aria-labelledby={`${props.id}-title`} data-testid={`report-${props.id}`}>
      <Stack gap="sm">
        <div>
          <Title order={3} size="h4" id={`${props.id}-title`}>
            {props.title}
          </Title>
          <Text size="sm" c="dimmed">
            {props.description}
          </Text>
        </div>
        {props.children}
        {props.invalid && (
          <Text size="sm" c="red" role="alert">
            {props.invalid}
          </Text>
        )}
        <Group gap="sm">
          {(['pdf', 'csv'] as const).map((f) => (
            <Button key={f} variant={f === 'pdf' ? 'filled' : 'default'} leftSection={<IconDownload size={16} />} loading={busy === f} disabled={!!props.invalid || (busy !== null && busy !== f)} onClick={() => void run(f)} data-testid={`report-${props.id}-${f}`}>
              {f.toUpperCase()}
            </Button>
          ))}
        </Group>
      </Stack>
    </Card>
  );
}

export function ReportsPage() {
  const { sites, groups } = useLookups();
  const [period, setPeriod] = useState(lastMonth);
  const [siteId, setSiteId] = useState<string | null>(null);
  const [groupId, setGroupId] = useState<string | null>(null);
  const [assetSite, setAssetSite] = useState<string | null>(null);
  const assessments = useCall('assessments.list', {});
  const [assessmentId, setAssessmentId] = useState<string | null>(null);
  const siteOptions = sites.map((s) => ({ value: s.id, label: s.name }));
  const periodProblem = !DATE.test(period.from) || !DATE.test(period.to) ? 'Give both dates as YYYY-MM-DD.' : period.from > period.to ? 'The period must end on or after the day it starts.' : null;
  return (
    <Stack gap="md" p="md">
      <div>
        <Title order={2}>Reports</Title>
        <Text size="sm" c="dimmed">
          Made on demand from this device’s records. Each report names its filters, when it was made and the audit-trail chain head at that moment, so it can be tied to the trail it came from.
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <ReportCard
          id="service-review"
          title="Service review"
          description="The period’s KPIs beside the period before it, weekly trends, figures by priority, group and top categories, the tickets that missed their SLA, and the major incidents (P1)."
          invalid={periodProblem}
          make={(format) =>
            api.call('reports.serviceReview', {
              from: `${period.from}T00:00:00Z`,
              // The last day is included: the period runs to the start of the next day.
              to: new Date(Date.parse(`${period.to}T00:00:00Z`) + DAY).toISOString(),
              ...(siteId ? { siteId } : {}),
              ...(groupId ? { groupId } : {}),
              format,
            })
          }
        >
          <Group gap="sm" align="flex-end" wrap="wrap">
            <TextInput label="From (UTC day)" value={period.from} onChange={(e) => setPeriod({ ...period, from: e.currentTarget.value })} w={150} placeholder="2026-11-01" data-testid="report-from" />
            <TextInput label="To, included" value={period.to} onChange={(e) => setPeriod({ ...period, to: e.currentTarget.value })} w={150} placeholder="2026-11-30" data-testid="report-to" />
            <Select label="Site" placeholder="All sites" data={siteOptions} value={siteId} onChange={setSiteId} clearable w={170} data-testid="report-site" />
            <Select label="Group" placeholder="All groups" data={groups.map((g) => ({ value: g.id, label: g.name }))} value={groupId} onChange={setGroupId} clearable searchable w={170} data-testid="report-group" />
          </Group>
        </ReportCard>
        <ReportCard
          id="licence-compliance"
          title="Licence compliance"
          description="Each product’s seats in force, installs and assignments, its gap, and the cost of the missing seats, as of today."
          make={(format) => api.call('reports.licenceCompliance', { format })}
        />
        <ReportCard
          id="asset-register"
          title="Asset register"
          description="Counts by status, category and site, warranties ending in 90 days, and every asset (the CSV in the columns the asset import reads)."
          make={(format) => api.call('reports.assetRegister', { format, ...(assetSite ? { siteId: assetSite } : {}) })}
        >
          <Select label="Site" placeholder="All sites" data={siteOptions} value={assetSite} onChange={setAssetSite} clearable w={200} data-testid="report-asset-site" />
        </ReportCard>
        <ReportCard
          id="risk-register"
          title="Risk register"
          description="Counts by status and current level, and every risk with its inherent and current levels, owner, treatment and overdue reviews (the CSV in the columns the risk import reads)."
          make={(format) => api.call('reports.riskRegister', { format })}
        />
        <ReportCard
          id="assessment"
          title="Assessment results"
          description="One assessment’s report (scope, method, results per requirement, findings) as PDF, or the result of every assessable requirement as CSV."
          invalid={assessmentId ? null : assessments.data && !assessments.data.items.length ? 'No assessment yet: start one from Assessments.' : 'Choose an assessment.'}
          make={(format) => api.call('reports.assessment', { assessmentId: assessmentId!, format })}
        >
          <Select
            label="Assessment"
            placeholder={assessments.data ? 'Choose an assessment' : 'Loading…'}
            data={(assessments.data?.items ?? []).map((a) => ({ value: a.id, label: a.name }))}
            value={assessmentId}
            onChange={setAssessmentId}
            searchable
            w={360}
            data-testid="report-assessment-pick"
          />
        </ReportCard>
        <Card withBorder padding="md" component="section" aria-labelledby="other-reports-title">
          <Title order={3} size="h4" id="other-reports-title">
            Elsewhere
          </Title>
          <Text size="sm" c="dimmed">
            The audit trail exports from Audit trail; an inventory audit’s reconciliation from its audit; the evidence pack (report, records, evidence files and manifest) from Assessments and Risks; any dashboard prints from the Dashboard’s Print button.
          </Text>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
