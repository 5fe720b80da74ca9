/** Settings: tabs from the settings-sections registry, each at /settings/<key>. */
import { Box, Stack, Tabs, Title } from '@mantine/core';
import { settingsSections } from '../../app/settings-sections';
import { navigate, useRoute } from '../../lib/router';
import { useRole } from '../../stores/session';
import { Empty } from '../common/states';

export function SettingsPage() {
  const route = useRoute();
  const role = useRole();
  const sections = settingsSections.filter((s) => role && s.roles.includes(role)).sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
  const key = route.segments[1] ?? sections[0]?.key;
  const current = sections.find((s) => s.key === key);
  if (!sections.length) return <Empty title="Nothing to set here">Your role has no settings to change.</Empty>;
  const Element = current?.element;
  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }}>
      <Title order={3} px="md" pt="md" pb="xs">
        Settings
      </Title>
      <Tabs value={current?.key ?? null} onChange={(v) => v && navigate(`/settings/${v}`)} px="md">
        <Tabs.List>
          {sections.map((s) => (
            <Tabs.Tab key={s.key} value={s.key} data-testid={`settings-tab-${s.key}`}>
              {s.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {/* One frame for every tab: the same padding, and the tab's label is its only heading. */}
      <Box p="md" style={{ flex: 1, overflow: 'auto' }} data-testid="settings-body">
        {Element ? <Element /> : <Empty title="No such settings page" />}
      </Box>
    </Stack>
  );
}
