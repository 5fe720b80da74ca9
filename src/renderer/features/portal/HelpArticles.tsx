/** Help articles in the portal: the team's published public knowledge, searchable, read in place. */
import { useCallback, useState, type ReactNode } from 'react';
import { Anchor, Card, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { Markdown } from '../common/Markdown';

export function HelpArticles() {
  const [q, setQ] = useState('');
  const list = useCall('portal.articles', { q: q.trim() });
  let body: ReactNode;
  if (list.error && !list.data) body = <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  else if (!list.data) body = <Loading />;
  else if (!list.data.items.length)
    body = <Empty title={q.trim() ? 'No article matches' : 'No help articles yet'}>{q.trim() ? 'Try other words, or ask us directly.' : 'Your team has not published any help articles yet.'}</Empty>;
  else
    body = (
      <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="portal-articles">
        {list.data.items.map((a) => (
          <li key={a.id}>
            <Card withBorder padding="sm" component="a" href={`#/portal/help/${a.id}`} style={{ textDecoration: 'none', color: 'inherit' }}>
              <Text fw={600}>{a.title}</Text>
              <Text size="xs" c="dimmed">
                {a.number}
                {a.category ? ` · ${a.category}` : ''}
              </Text>
              {a.excerpt && (
                <Text size="sm" lineClamp={2}>
                  {a.excerpt}
                </Text>
              )}
            </Card>
          </li>
        ))}
      </Stack>
    );
  return (
    <Stack gap="md">
      <Title order={2}>Help articles</Title>
      <TextInput label="Search help articles" leftSection={<IconSearch size={16} aria-hidden />} value={q} onChange={(e) => setQ(e.currentTarget.value)} placeholder="For example: VPN, printer, password" />
      {body}
    </Stack>
  );
}

/** A picture of a help article, asked for as that article's picture (in a browser: from the server's portal). */
function HelpPicture({ articleId, sha256, alt }: { articleId: string; sha256: string; alt: string }) {
  const img = useCall('portal.picture', { articleId, sha256 });
  if (img.error && !img.data) {
    return (
      <Text span size="sm" c="dimmed" data-testid="portal-picture-missing">
        [{alt || 'picture'}: not available yet]
      </Text>
    );
  }
  if (!img.data) return <Text span size="sm" c="dimmed">[{alt || 'picture'}…]</Text>;
  return <img src={`data:${img.data.mediaType};base64,${img.data.contentBase64}`} alt={alt} style={{ maxWidth: '100%' }} data-testid="portal-picture" />;
}

export function HelpArticle({ id }: { id: string }) {
  const a = useCall('portal.article', { id });
  const picture = useCallback((sha256: string, alt: string) => <HelpPicture articleId={id} sha256={sha256} alt={alt} />, [id]);
  if (a.error && !a.data) return <ErrorState error={a.error} onRetry={() => void a.refetch()} title="This article could not be shown" />;
  if (!a.data) return <Loading />;
  return (
    <Stack gap="sm" data-testid="portal-article">
      <Anchor href="#/portal/help" size="sm">
        ← Help articles
      </Anchor>
      <div>
        <Title order={2}>{a.data.title}</Title>
        <Text size="xs" c="dimmed">
          {a.data.number}
          {a.data.category ? ` · ${a.data.category}` : ''} · updated {new Date(a.data.updatedAt).toLocaleDateString()}
        </Text>
      </div>
      <Markdown text={a.data.body} image={picture} />
    </Stack>
  );
}
