/** Settings › Scanner: tune burst detection for this computer's scanner and test it live. */
import { useRef, useState } from 'react';
import { Button, Card, Group, NumberInput, Paper, Stack, Text } from '@mantine/core';
import { DEFAULT_SCANNER_SETTINGS, useScannerSettings } from './store';

export function ScannerSettings() {
  const { maxGapMs, minLength, update } = useScannerSettings();
  const [log, setLog] = useState<{ text: string; gaps: number[] }[]>([]);
  const cur = useRef<{ text: string; gaps: number[]; last: number }>({ text: '', gaps: [], last: 0 });

  return (
    <Stack gap="sm" maw={640}>
      <Text size="sm" c="dimmed">
        A keyboard-wedge scanner types a tag much faster than a person and ends it with Enter. Outpost takes a burst of at least the minimum
        length, with every key closer than the gap below, as a scan — on any screen, when you are not typing in a field. Slow (often
        Bluetooth) scanners need a larger gap.
      </Text>
      <Group grow>
        <NumberInput
          label="Largest gap between keys (ms)"
          min={5}
          max={1000}
          value={maxGapMs}
          onChange={(v) => typeof v === 'number' && update({ maxGapMs: v })}
        />
        <NumberInput
          label="Shortest tag (characters)"
          min={2}
          max={64}
          value={minLength}
          onChange={(v) => typeof v === 'number' && update({ minLength: v })}
        />
      </Group>
      <Group>
        <Button variant="default" size="xs" onClick={() => update(DEFAULT_SCANNER_SETTINGS)}>
          Back to defaults ({DEFAULT_SCANNER_SETTINGS.maxGapMs} ms, {DEFAULT_SCANNER_SETTINGS.minLength} characters)
        </Button>
      </Group>
      <Card withBorder>
        <Text fw={600} size="sm" mb={4}>
          Test your scanner
        </Text>
        <Paper
          withBorder
          p="md"
          tabIndex={0}
          className="mantine-focus-auto"
          aria-label="Scanner test area: click here, then scan a label"
          style={{ cursor: 'text', outlineOffset: 2 }}
          onKeyDown={(e) => {
            // Tab and Shift+Tab leave the area as they leave any control (no keyboard trap); a
            // scanner set to end its tags with Tab is tested by the gaps of its other keys.
            if (e.key === 'Tab') return;
            // Measured here and stopped, so the test does not also open the asset.
            e.stopPropagation();
            e.preventDefault();
            const now = e.timeStamp;
            const c = cur.current;
            if (e.key === 'Enter') {
              if (c.text) setLog((l) => [{ text: c.text, gaps: c.gaps }, ...l].slice(0, 5));
              cur.current = { text: '', gaps: [], last: 0 };
              return;
            }
            if (e.key.length !== 1) return;
            if (c.text) c.gaps.push(Math.round(now - c.last));
            c.text += e.key;
            c.last = now;
          }}
        >
          <Text size="sm" c="dimmed">
            Click here, then scan a label.
          </Text>
        </Paper>
        {log.map((l, i) => {
          const worst = l.gaps.length ? Math.max(...l.gaps) : 0;
          const ok = l.text.length >= minLength && worst <= maxGapMs;
          return (
            <Text key={i} size="sm" mt={6} c={ok ? 'green' : 'orange'}>
              {l.text} · slowest gap {worst} ms ·{' '}
              {ok
                ? 'recognised as a scan'
                : `not a scan with these settings${worst > maxGapMs ? ` (raise the gap to ${worst + 5} ms)` : ''}`}
            </Text>
          );
        })}
      </Card>
    </Stack>
  );
}
