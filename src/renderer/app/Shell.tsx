/** The app shell: collapsible nav from the registry, top bar (palette, user menu), routed screen. */
import { useEffect } from 'react';
import {
  ActionIcon,
  AppShell,
  Avatar,
  Button,
  Group,
  Kbd,
  Menu,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  Tooltip,
  UnstyledButton,
  useMantineColorScheme,
} from '@mantine/core';
import {
  IconDeviceDesktop,
  IconKeyboard,
  IconLayoutSidebarLeftCollapse,
  IconLayoutSidebarLeftExpand,
  IconLock,
  IconLogout,
  IconMoon,
  IconSearch,
  IconSun,
} from '@tabler/icons-react';
import { spotlight } from '@mantine/spotlight';
import { entriesFor, homeFor, navEntries, type NavEntry } from './nav';
import { settingsSections } from './settings-sections';
import { isUnder, navigate, useRoute } from '../lib/router';
import { useSession } from '../stores/session';
import { useUi } from '../stores/ui';
import { api, subscribeEvents } from '../lib/client';
import { invalidateDomain } from '../lib/query';
import { useKeys } from '../lib/keys';
import { Palette } from '../features/palette/Palette';
import { ShortcutSheet } from './ShortcutSheet';
import { useGoKeys } from './goKeys';
import { useEscalations } from '../features/sla/useEscalations';
import { useRaisedRouting } from '../features/sla/useRaisedRouting';
import { useFocusHomeAfterOverlays, useLeaveSearchBoxes } from './focusHome';
import { Empty, Loading } from '../features/common/states';
import { ErrorBoundary } from '../features/common/ErrorBoundary';
import { StatusDialog } from '../features/tickets/StatusDialog';
import { CreateTicket } from '../features/tickets/CreateTicket';
import { ScanCatcher } from '../features/scan/ScanCatcher';
import { ScanIndicator } from '../features/scan/ScanIndicator';
import { AlertsBell } from '../features/alerts/AlertsBell';
import { SyncChip } from '../features/sync/SyncChip';
import { PlainStoreWarning } from '../features/security/PlainStoreWarning';

const ROLE_LABELS = { admin: 'Administrator', technician: 'Technician', auditor: 'Auditor', requester: 'Requester' } as const;

function NavItem({ entry, active, collapsed }: { entry: NavEntry; active: boolean; collapsed: boolean }) {
  const Icon = entry.icon;
  const BadgeC = entry.badge;
  const link = (
    <NavLink
      href={`#${entry.path}`}
      label={collapsed ? undefined : entry.label}
      aria-label={collapsed ? entry.label : undefined}
      leftSection={<Icon size={18} stroke={1.6} />}
      rightSection={!collapsed && BadgeC ? <BadgeC /> : undefined}
      active={active}
      data-testid={`nav-${entry.path.slice(1)}`}
      style={{ borderRadius: 6 }}
    />
  );
  return collapsed ? (
    <Tooltip label={entry.label} position="right" withArrow>
      {link}
    </Tooltip>
  ) : (
    link
  );
}

function UserMenu() {
  const user = useSession((s) => s.user);
  const signOut = useSession((s) => s.signOut);
  const setLocked = useSession((s) => s.setLocked);
  const setShortcutsOpen = useUi((s) => s.setShortcutsOpen);
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  if (!user) return null;
  const initials = user.displayName
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  const logout = async () => {
    try {
      await api.call('session.logout', {});
    } catch {
      // signing out locally is what matters; the server session expires on its own
    }
    signOut();
  };
  const lock = async () => {
    await api.call('session.lock', {}).catch(() => undefined);
    setLocked(true);
  };
  return (
    <Menu position="bottom-end" width={240} withinPortal>
      <Menu.Target>
        <UnstyledButton title="User menu" data-testid="user-menu">
          <Group gap={8}>
            <Avatar size={28} radius="xl" color="indigo">
              {initials}
            </Avatar>
            <Text size="sm" visibleFrom="sm">
              {user.displayName}
            </Text>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {user.username} · {ROLE_LABELS[user.role]}
        </Menu.Label>
        <Menu.Divider />
        <Menu.Label>Theme</Menu.Label>
        <Menu.Item leftSection={<IconSun size={16} />} onClick={() => setColorScheme('light')} rightSection={colorScheme === 'light' ? '✓' : null}>
          Light
        </Menu.Item>
        <Menu.Item leftSection={<IconMoon size={16} />} onClick={() => setColorScheme('dark')} rightSection={colorScheme === 'dark' ? '✓' : null}>
          Dark
        </Menu.Item>
        <Menu.Item leftSection={<IconDeviceDesktop size={16} />} onClick={() => setColorScheme('auto')} rightSection={colorScheme === 'auto' ? '✓' : null}>
          Follow the system
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item leftSection={<IconKeyboard size={16} />} onClick={() => setShortcutsOpen(true)} rightSection={<Kbd size="xs">?</Kbd>}>
          Keyboard shortcuts
        </Menu.Item>
        <Menu.Item leftSection={<IconLock size={16} />} onClick={() => void lock()} data-testid="lock-now">
          Lock now
        </Menu.Item>
        <Menu.Item leftSection={<IconLogout size={16} />} color="red" onClick={() => void logout()} data-testid="sign-out">
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function NoAccess({ home }: { home: string }) {
  const label = navEntries.find((e) => e.path === home)?.label ?? 'your start page';
  return (
    <div data-testid="no-access">
      <Empty
        title="You don't have access to this page"
        action={
          <Button size="xs" variant="light" onClick={() => navigate(home)}>
            Go to {label}
          </Button>
        }
      >
        Your role cannot open this screen. If you need it, ask an administrator.
      </Empty>
    </div>
  );
}

export function Shell() {
  const route = useRoute();
  const role = useSession((s) => s.user?.role ?? null);
  const token = useSession((s) => s.token);
  const signOut = useSession((s) => s.signOut);
  const setUser = useSession((s) => s.setUser);
  const { navCollapsed, toggleNav, setShortcutsOpen } = useUi();
  const main = entriesFor(role, 'main');
  const footer = entriesFor(role, 'footer');
  const all = [...main, ...footer];
  const active = all.find((e) => isUnder(route.path, e.path));

  // Live updates: a change anywhere (this window, another tab, sync) refreshes what is on screen.
  useEffect(() => {
    if (!token) return;
    return subscribeEvents(token, (e) => {
      if (e.type === 'changed') invalidateDomain(e.domain);
      else if (e.type === 'session.expired') signOut({ expired: true });
    });
  }, [token, signOut]);

  // Confirms the stored session is still valid (a 401 signs out through the client) and refreshes the role.
  useEffect(() => {
    api.call('session.me', {}).then(setUser, () => {});
  }, [setUser]);

  // A screen that exists but not for this role (a shared link, an old bookmark) says so plainly;
  // only unknown addresses go home.
  const forbidden = role !== null && !active && navEntries.some((e) => isUnder(route.path, e.path));
  const settingsKey = active?.path === '/settings' ? route.segments[1] : undefined;
  const forbiddenSection =
    role !== null && settingsKey !== undefined && settingsSections.some((s) => s.key === settingsKey && !s.roles.includes(role));
  useEffect(() => {
    if (!active && !forbidden && role !== null) navigate(homeFor(role), { replace: true });
  }, [active, forbidden, role]);

  useKeys({ '?': () => setShortcutsOpen(true) }, { global: true });
  useGoKeys(role);
  useEscalations(role);
  useRaisedRouting(role);
  useFocusHomeAfterOverlays();
  useLeaveSearchBoxes();

  const Element = active?.element;
  const width = navCollapsed ? 64 : 220;
  return (
    <AppShell header={{ height: 52 }} navbar={{ width, breakpoint: 0 }} padding={0}>
      <AppShell.Header>
        <Group h="100%" px="sm" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Tooltip label={navCollapsed ? 'Expand navigation' : 'Collapse navigation'}>
              <ActionIcon variant="subtle" color="gray" onClick={toggleNav} aria-label="Toggle navigation">
                {navCollapsed ? <IconLayoutSidebarLeftExpand size={20} /> : <IconLayoutSidebarLeftCollapse size={20} />}
              </ActionIcon>
            </Tooltip>
            <Text fw={700} size="lg" c="indigo">
              Outpost
            </Text>
          </Group>
          <UnstyledButton onClick={() => spotlight.open()} title="Open the command palette" data-testid="palette-button" style={{ flex: '0 1 420px' }}>
            <Group
              gap={8}
              px="sm"
              py={6}
              wrap="nowrap"
              style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 8, color: 'var(--mantine-color-dimmed)' }}
            >
              <IconSearch size={16} />
              <Text size="sm" style={{ flex: 1 }}>
                Search or jump to…
              </Text>
              <Kbd size="xs">Ctrl K</Kbd>
            </Group>
          </UnstyledButton>
          <Group gap="sm" wrap="nowrap">
            <PlainStoreWarning />
            <ScanIndicator />
            <AlertsBell />
            <SyncChip />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p={6}>
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={2}>
            {main.map((e) => (
              <NavItem key={e.path} entry={e} active={e === active} collapsed={navCollapsed} />
            ))}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Stack gap={2}>
            {footer.map((e) => (
              <NavItem key={e.path} entry={e} active={e === active} collapsed={navCollapsed} />
            ))}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main style={{ height: '100dvh', display: 'flex', flexDirection: 'column' }}>
        <ErrorBoundary resetKey={active?.path ?? ''}>
          {forbidden || forbiddenSection ? (
            <NoAccess home={homeFor(role)} />
          ) : Element ? (
            <Element />
          ) : (
            <Loading />
          )}
        </ErrorBoundary>
      </AppShell.Main>
      <Palette />
      <ScanCatcher />
      <ShortcutSheet />
      <StatusDialog />
      {role !== 'auditor' && <CreateTicket />}
    </AppShell>
  );
}
