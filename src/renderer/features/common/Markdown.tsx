/**
 * Renders Markdown (CommonMark with GitHub tables, task lists, strikethrough and autolinks) through
 * react-markdown and remark-gfm, for knowledge articles and ticket comments. React builds every
 * element, so no HTML string is ever injected; raw HTML in the text is shown as the text it is;
 * links work only for http(s) addresses; images only for pictures kept in the store's blob store
 * (`![alt](blob:<sha256>)`), drawn by the caller's `image` renderer.
 */
import { Children, memo, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { Anchor, Code, Table, Text } from '@mantine/core';

/** The address if it is an absolute http(s) URL, else null (javascript:, data:, file:, relative…). */
export function safeHref(raw: string): string | null {
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** How an article names a picture of the store: `blob:` and its SHA-256. */
export const BLOB_SRC = /^blob:([0-9a-f]{64})$/;

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

/**
 * Raw HTML (a `<script>`, an `<img onerror>`) becomes plain text, so a reader sees what was typed
 * and nothing runs; with `breaks`, a line break typed inside a paragraph stays a line break (as
 * people expect of a comment).
 */
function remarkPlainHtml(opts: { breaks?: boolean }) {
  const walk = (node: MdNode) => {
    if (!node.children) return;
    const out: MdNode[] = [];
    for (const child of node.children) {
      if (child.type === 'html') out.push({ type: 'text', value: child.value ?? '' });
      else if (opts.breaks && child.type === 'text' && child.value?.includes('\n')) {
        child.value.split('\n').forEach((part, i) => {
          if (i > 0) out.push({ type: 'break' });
          if (part) out.push({ type: 'text', value: part });
        });
      } else {
        walk(child);
        out.push(child);
      }
    }
    node.children = out;
  };
  return () => (tree: MdNode) => walk(tree);
}

/** Keeps http(s) addresses and in-app blob pictures; every other address is dropped. */
function urlTransform(url: string, key: string): string | null {
  if (key === 'src') return BLOB_SRC.test(url) ? url : null;
  return safeHref(url);
}

export interface MarkdownProps {
  text: string;
  testId?: string;
  /** Line breaks inside a paragraph are kept (comments). */
  breaks?: boolean;
  /** Draws a picture of the blob store; without it a picture shows as its description. */
  image?: (sha256: string, alt: string) => ReactNode;
}

function componentsFor(image: MarkdownProps['image']): Components {
  return {
    a: ({ href, children }) =>
      href ? (
        // Opens outside the app (Electron hands http(s) windows to the system browser).
        <Anchor href={href} target="_blank" rel="noopener noreferrer nofollow" size="sm">
          {children}
        </Anchor>
      ) : (
        <span>{children}</span>
      ),
    img: ({ src, alt }) => {
      const m = typeof src === 'string' ? BLOB_SRC.exec(src) : null;
      if (m && image) return <>{image(m[1]!, alt ?? '')}</>;
      return alt ? <span className="md-missing-image">[{alt}]</span> : null;
    },
    p: ({ children }) => (
      <Text size="sm" component="p" my={4}>
        {children}
      </Text>
    ),
    code: ({ className, children }) => {
      const lang = /language-([\w+-]+)/.exec(className ?? '')?.[1];
      const text = Children.toArray(children).join('');
      // Fenced blocks arrive inside <pre> (below); inline code stays inline.
      return lang || text.includes('\n') ? <code data-lang={lang}>{text.replace(/\n$/, '')}</code> : <Code>{text}</Code>;
    },
    pre: ({ children }) => (
      <Code block my={4} component="pre">
        {children}
      </Code>
    ),
    table: ({ children }) => (
      <Table withTableBorder withColumnBorders striped my={6} fz="sm">
        {children}
      </Table>
    ),
  };
}

const plainHtml = remarkPlainHtml({});
const plainHtmlBreaks = remarkPlainHtml({ breaks: true });

export const Markdown = memo(function Markdown({ text, testId, breaks, image }: MarkdownProps) {
  return (
    <div className="md" data-testid={testId} style={{ wordBreak: 'break-word' }}>
      <ReactMarkdown remarkPlugins={[remarkGfm, breaks ? plainHtmlBreaks : plainHtml]} urlTransform={urlTransform} components={componentsFor(image)} skipHtml={false}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
