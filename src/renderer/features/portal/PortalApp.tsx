/**
 * The requester portal: the service catalogue and "Report a problem", the requester's own tickets,
 * and a ticket's public timeline. The same screens run in the app (a requester lands here instead of
 * the staff console) and in a browser at the server's /portal; they only talk through `portal.*`.
 */
import type { ReactNode } from 'react';
import { Anchor, AppShell, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { IconAlertTriangle, IconArrowLeft, IconLogout } from '@tabler/icons-react';
import { navigate, useRoute } from '../../lib/router';
import { useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { CATALOGUE_ICON_DRAWINGS } from './icons';
import { RequestForm } from './RequestForm';
import { PortalTicketPage } from './PortalTicketPage';
import { HelpArticle, HelpArticles } from './HelpArticles';
import { aimText, STATUS_WORDS } from './words';
import type { CatalogueItem } from '../../../shared/catalogue/items';
import './portal.css';

export interface PortalAppProps {
  /** Who is signed in, as the header greets them. */
  userName: string;
  onSignOut(): void;
  /** Extra links in the header (the app's own settings). */
  extraLinks?: ReactNode;
}

/** Portal routes live under #/portal (and #/requests in the app, where the old page was). */
function portalPath(path: string): string {
  if (path === '/requests' || path.startsWith('/requests/')) return '/portal/tickets';
  return path.startsWith('/portal') ? path : '/portal';
}

export function PortalApp({ userName, onSignOut, extraLinks }: PortalAppProps) {
  const route = useRoute();
  const path = portalPath(route.path);
  const seg = path.split('/').filter(Boolean);
  let page: ReactNode;
  if (seg[1] === 'new' && seg[2]) page = <NewRequest itemId={seg[2]} />;
  else if (seg[1] === 'problem') page = <RequestForm item={null} onDone={(id) => navigate(`/portal/tickets/${id}`)} onCancel={() => navigate('/portal')} />;
  else if (seg[1] === 'tickets' && seg[2]) page = <PortalTicketPage id={seg[2]} />;
  else if (seg[1] === 'tickets') page = <MyTickets />;
  else if (seg[1] === 'help' && seg[2]) page = <HelpArticle id={seg[2]} />;
  else if (seg[1] === 'help') page = <HelpArticles />;
  else page = <Catalogue />;
  const tab = seg[1] === 'tickets' ? 'tickets' : seg[1] === 'help' ? 'help' : 'catalogue';
  return (
    <AppShell header={{ height: 56 }} padding="md" className="outpost-portal">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Text fw={700} component="span">
              Outpost help
            </Text>
            <nav aria-label="Portal">
              <Group gap="xs" wrap="nowrap">
                <Button variant={tab === 'catalogue' ? 'filled' : 'subtle'} size="xs" component="a" href="#/portal" aria-current={tab === 'catalogue' ? 'page' : undefined}>
                  Ask for something
                </Button>
                <Button variant={tab === 'tickets' ? 'filled' : 'subtle'} size="xs" component="a" href="#/portal/tickets" aria-current={tab === 'tickets' ? 'page' : undefined} data-testid="portal-my-tickets">
                  My tickets
                </Button>
                <Button variant={tab === 'help' ? 'filled' : 'subtle'} size="xs" component="a" href="#/portal/help" aria-current={tab === 'help' ? 'page' : undefined} data-testid="portal-help">
                  Help articles
                </Button>
              </Group>
            </nav>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" visibleFrom="sm">
              {userName}
            </Text>
            {extraLinks}
            <Button size="xs" variant="subtle" leftSection={<IconLogout size={14} />} onClick={onSignOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <main style={{ maxWidth: 960, margin: '0 auto' }}>{page}</main>
      </AppShell.Main>
    </AppShell>
  );
}

function Catalogue() {
  const q = useCall('portal.catalogue', {});
  let body: ReactNode;
  if (q.error && !q.data) body = <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  else if (!q.data) body = <Loading />;
  else {
    const sections = new Map<string, CatalogueItem[]>();
    for (const i of q.data.items) sections.set(i.section, [...(sections.get(i.section) ?? []), i]);
    body = (
      <Stack gap="lg">
        {[...sections].map(([section, items]) => (
          <section key={section} aria-labelledby={`sec-${section}`}>
            <Title order={3} size="h5" mb="xs" id={`sec-${section}`}>
              {section}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
              {items.map((i) => (
                <Tile key={i.id} icon={CATALOGUE_ICON_DRAWINGS[i.icon]} title={i.name} text={i.description} href={`#/portal/new/${i.id}`} testId={`catalogue-item-${i.name}`} />
              ))}
            </SimpleGrid>
          </section>
        ))}
        {!q.data.items.length && <Empty title="The catalogue is empty">Your team has not listed anything to ask for yet; report a problem instead, or ask your IT team.</Empty>}
      </Stack>
    );
  }
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>How can we help?</Title>
        <Text c="dimmed" size="sm">
          Pick what you need, or tell us what is not working.
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Tile icon={IconAlertTriangle} title="Report a problem" text="Something is broken or not working as it should." href="#/portal/problem" testId="report-problem" />
      </SimpleGrid>
      {body}
    </Stack>
  );
}

function Tile({ icon: Icon, title, text, href, testId }: { icon: typeof IconAlertTriangle; title: string; text: string; href: string; testId?: string }) {
  return (
    <Card withBorder padding="md" component="a" href={href} data-testid={testId} style={{ textDecoration: 'none', color: 'inherit' }}>
      <Group wrap="nowrap" align="flex-start">
        <Icon size={28} aria-hidden />
        <div>
          <Text fw={600}>{title}</Text>
          {text && (
            <Text size="sm" c="dimmed" lineClamp={3}>
              {text}
            </Text>
          )}
        </div>
      </Group>
    </Card>
  );
}

function NewRequest({ itemId }: { itemId: string }) {
  const q = useCall('portal.catalogue', {});
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading />;
  const item = q.data.items.find((i) => i.id === itemId);
  if (!item)
    return (
      <Empty title="Not in the catalogue" action={<Anchor href="#/portal">Back to the catalogue</Anchor>}>
        This item is not offered any more.
      </Empty>
    );
  return <RequestForm item={item} onDone={(id) => navigate(`/portal/tickets/${id}`)} onCancel={() => navigate('/portal')} />;
}

function MyTickets() {
  const q = useCall('portal.myTickets', {});
  let body: ReactNode;
  if (q.error && !q.data) body = <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  else if (!q.data) body = <Loading />;
  else if (!q.data.items.length)
    body = (
      <Empty title="You have no tickets yet" action={<Anchor href="#/portal">Ask for something</Anchor>}>
        What you ask for or report shows here, with its progress.
      </Empty>
    );
  else
    body = (
      <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="portal-ticket-list">
        {q.data.items.map((t) => (
          <li key={t.id}>
            <UnstyledButton component="a" href={`#/portal/tickets/${t.id}`} w="100%" data-testid={`portal-ticket-${t.number}`}>
              <Card withBorder padding="sm">
                <Group justify="space-between" wrap="nowrap">
                  <div style={{ minWidth: 0 }}>
                    <Text fw={600} truncate>
                      {t.title}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t.number} · {t.catalogueItemName ?? (t.type === 'incident' ? 'Problem' : 'Request')} · opened {new Date(t.openedAt).toLocaleString()}
                    </Text>
                    {t.aim && (
                      <Text size="xs" c="dimmed">
                        {aimText(t.aim)}
                      </Text>
                    )}
                  </div>
                  <Badge variant="light">{STATUS_WORDS[t.status]}</Badge>
                </Group>
              </Card>
            </UnstyledButton>
          </li>
        ))}
      </Stack>
    );
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2}>My tickets</Title>
        <Button size="xs" variant="light" leftSection={<IconArrowLeft size={14} />} component="a" href="#/portal">
          Ask for something
        </Button>
      </Group>
      {body}
    </Stack>
  );
}
