/** Pieces the risk and assessment screens share: level badges in the matrix's colours, the heat map, library import. */
import { useState } from 'react';
import { Box, Button, FileButton, Group, Select, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconFileUpload } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { LevelInfo } from '../../../shared/api/risks';
import type { MatrixDefinition, RiskStage, RiskStatus } from '../../../shared/grc/matrix';
import { levelAt } from '../../../shared/grc/matrix';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { contrast } from '../../lib/contrast';

/** Black or white, whichever reads better on the level's colour. */
export function textOn(bg: string | null | undefined): string {
  if (!bg) return 'inherit';
  return contrast(bg, '#000000') >= contrast(bg, '#ffffff') ? '#000000' : '#ffffff';
}

export function LevelBadge({ level, testid }: { level: LevelInfo | null; testid?: string }) {
  if (!level) return <Text size="sm" c="dimmed" data-testid={testid}>Not scored</Text>;
  return (
    <Box
      component="span"
      data-testid={testid}
      style={{ background: level.hexcolor ?? 'var(--mantine-color-gray-2)', color: textOn(level.hexcolor), padding: '1px 8px', borderRadius: 4, fontSize: 13, fontWeight: 600, whiteSpace: 'nowrap' }}
    >
      {level.name}
    </Box>
  );
}

export const STAGE_LABELS: Record<RiskStage, string> = { inherent: 'Inherent', current: 'Current', residual: 'Residual' };

/**
 * One heat map: likelihood rows (highest on top) × impact columns, each cell in its level's colour
 * with the count of risks there. A cell is a button: choosing it filters the list to that cell.
 */
export function HeatMap({
  matrix,
  counts,
  stage,
  selected,
  onSelect,
}: {
  matrix: MatrixDefinition;
  counts: number[][];
  stage: RiskStage;
  selected: { likelihood: number; impact: number } | null;
  onSelect: (cell: { likelihood: number; impact: number } | null) => void;
}) {
  const rows = matrix.probability.map((_, i) => matrix.probability.length - i);
  return (
    <Stack gap={4} data-testid={`heatmap-${stage}`}>
      <Text size="sm" fw={600}>
        {STAGE_LABELS[stage]}
      </Text>
      <Box style={{ display: 'grid', gridTemplateColumns: `auto repeat(${matrix.impact.length}, 34px)`, gap: 2, alignItems: 'center' }}>
        {rows.map((l) => (
          <Row key={l} l={l} matrix={matrix} counts={counts} stage={stage} selected={selected} onSelect={onSelect} />
        ))}
        <span />
        {matrix.impact.map((im, i) => (
          <Text key={i} size="xs" ta="center" c="dimmed" title={im.name}>
            {im.abbreviation || i + 1}
          </Text>
        ))}
      </Box>
      <Text size="xs" c="dimmed">
        Likelihood ↑ · impact →
      </Text>
    </Stack>
  );
}

function Row({ l, matrix, counts, stage, selected, onSelect }: { l: number; matrix: MatrixDefinition; counts: number[][]; stage: RiskStage; selected: { likelihood: number; impact: number } | null; onSelect: (c: { likelihood: number; impact: number } | null) => void }) {
  return (
    <>
      <Text size="xs" c="dimmed" title={matrix.probability[l - 1]!.name} pr={4}>
        {matrix.probability[l - 1]!.abbreviation || l}
      </Text>
      {matrix.impact.map((_, idx) => {
        const i = idx + 1;
        const level = levelAt(matrix, l, i);
        const n = counts[l - 1]?.[i - 1] ?? 0;
        const on = selected?.likelihood === l && selected.impact === i;
        const label = `${STAGE_LABELS[stage]}: likelihood ${matrix.probability[l - 1]!.name}, impact ${matrix.impact[i - 1]!.name} (${level?.name ?? 'no level'}): ${n} risk${n === 1 ? '' : 's'}`;
        return (
          <Tooltip key={i} label={label} openDelay={400}>
            <UnstyledButton
              aria-label={label}
              aria-pressed={on}
              data-testid={`cell-${stage}-${l}-${i}`}
              onClick={() => onSelect(on ? null : { likelihood: l, impact: i })}
              style={{
                height: 28,
                background: level?.hexcolor ?? 'var(--mantine-color-gray-2)',
                color: textOn(level?.hexcolor),
                textAlign: 'center',
                fontSize: 13,
                fontWeight: n ? 700 : 400,
                borderRadius: 3,
                outline: on ? '3px solid var(--mantine-color-blue-7)' : undefined,
                outlineOffset: -1,
              }}
            >
              {n || ''}
            </UnstyledButton>
          </Tooltip>
        );
      })}
    </>
  );
}

/** Administrators import a CISO Assistant library (framework or risk matrix) from a YAML file. */
export function ImportLibraryButton({ testid = 'import-library' }: { testid?: string }) {
  const [busy, setBusy] = useState(false);
  const onFile = async (f: File | null) => {
    if (!f) return;
    setBusy(true);
    try {
      const r = await api.call('grc.importLibrary', { content: await f.text() });
      invalidate((n) => ['grc', 'risks', 'assessments'].includes(n.split('.')[0]!));
      const what =
        r.kind === 'framework' ? `${r.name}: ${r.requirements} requirements, ${r.assessable} assessable` : `${r.name}${r.matrices && r.matrices > 1 ? ` and ${r.matrices - 1} more matrices` : ''}`;
      notifications.show({ color: 'green', message: r.outcome === 'unchanged' ? `${r.name} version ${r.version} is already imported.` : `Imported ${what}.` });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The library was not imported', message: errorMessage(e), autoClose: false });
    } finally {
      setBusy(false);
    }
  };
  return (
    <FileButton accept=".yaml,.yml,application/yaml,text/yaml" onChange={(f) => void onFile(f)} inputProps={{ 'data-testid': testid } as Record<string, string>}>
      {(props) => (
        <Button {...props} size="xs" variant="light" leftSection={<IconFileUpload size={14} />} loading={busy}>
          Import library (YAML)
        </Button>
      )}
    </FileButton>
  );
}

export function Legend({ matrix }: { matrix: MatrixDefinition }) {
  return (
    <Group gap={6}>
      {matrix.risk.map((r, i) => (
        <LevelBadge key={i} level={{ index: i, abbreviation: r.abbreviation, name: r.name, hexcolor: r.hexcolor }} />
      ))}
    </Group>
  );
}

export const RISK_STATUS_LABELS: Record<RiskStatus, string> = { identified: 'Identified', assessed: 'Assessed', treating: 'Treating', accepted: 'Accepted', closed: 'Closed' };

export function ScoreSelects({ matrixId, value, onChange, label }: { matrixId: string | null; value: { likelihood: number; impact: number } | null; onChange: (v: { likelihood: number; impact: number } | null) => void; label: string }) {
  const matrices = useCall('grc.matrices', {});
  const m = matrices.data?.items.find((x) => x.id === matrixId)?.definition;
  if (!m) return null;
  return (
    <Group gap="xs" align="flex-end">
      <Select
        label={`${label} likelihood`}
        data={m.probability.map((p, i) => ({ value: String(i + 1), label: `${i + 1} · ${p.name}` }))}
        value={value ? String(value.likelihood) : null}
        onChange={(v) => onChange(v ? { likelihood: Number(v), impact: value?.impact ?? 1 } : null)}
        w={170}
        clearable
      />
      <Select
        label={`${label} impact`}
        data={m.impact.map((p, i) => ({ value: String(i + 1), label: `${i + 1} · ${p.name}` }))}
        value={value ? String(value.impact) : null}
        onChange={(v) => onChange(v ? { likelihood: value?.likelihood ?? 1, impact: Number(v) } : null)}
        w={170}
        clearable
      />
    </Group>
  );
}

