/** Renders comment Markdown (see markdown.ts) as React elements: text is always escaped by React, never injected. */
import { Fragment, memo, useMemo, type ReactNode } from 'react';
import { Anchor, Code, List, Text } from '@mantine/core';
import { parseMarkdown, type Inline } from './markdown';

function withBreaks(s: string, key: string): ReactNode {
  const parts = s.split('\n');
  if (parts.length === 1) return s;
  return parts.map((p, i) => (
    <Fragment key={`${key}-${i}`}>
      {i > 0 && <br />}
      {p}
    </Fragment>
  ));
}

function inline(nodes: Inline[], key = 'i'): ReactNode[] {
  return nodes.map((n, i) => {
    const k = `${key}.${i}`;
    if (typeof n === 'string') return <Fragment key={k}>{withBreaks(n, k)}</Fragment>;
    switch (n.t) {
      case 'code':
        return <Code key={k}>{n.text}</Code>;
      case 'strong':
        return <strong key={k}>{inline(n.children, k)}</strong>;
      case 'em':
        return <em key={k}>{inline(n.children, k)}</em>;
      case 'link':
        // Opens outside the app (Electron hands http(s) windows to the system browser).
        return (
          <Anchor key={k} href={n.href} target="_blank" rel="noopener noreferrer nofollow" size="sm">
            {inline(n.children, k)}
          </Anchor>
        );
    }
  });
}

export const Markdown = memo(function Markdown({ text, testId }: { text: string; testId?: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return (
    <div className="md" data-testid={testId} style={{ wordBreak: 'break-word' }}>
      {blocks.map((b, i) => {
        switch (b.t) {
          case 'p':
            return (
              <Text key={i} size="sm" component="p" my={4}>
                {inline(b.children)}
              </Text>
            );
          case 'pre':
            return (
              <Code key={i} block my={4} data-lang={b.lang ?? undefined}>
                {b.text}
              </Code>
            );
          case 'ul':
          case 'ol':
            return (
              <List key={i} size="sm" type={b.t === 'ol' ? 'ordered' : 'unordered'} start={b.t === 'ol' ? b.start : undefined} my={4} withPadding>
                {b.items.map((it, j) => (
                  <List.Item key={j}>{inline(it)}</List.Item>
                ))}
              </List>
            );
        }
      })}
    </div>
  );
});
