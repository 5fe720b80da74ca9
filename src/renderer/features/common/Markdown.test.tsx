/**
 * The Markdown renderer of articles and comments: GFM tables, headings, code and lists render as
 * elements; raw HTML stays visible text and never becomes an element; only http(s) links are
 * links (javascript:, data:, file: and relative addresses are dropped); pictures only from the
 * store's blob store.
 */
import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import { Markdown, safeHref, type MarkdownProps } from './Markdown';

function html(text: string, props: Partial<MarkdownProps> = {}) {
  return renderToStaticMarkup(
    <MantineProvider>
      <Markdown text={text} {...props} />
    </MantineProvider>,
  );
}

describe('<Markdown>', () => {
  it('renders headings, tables, code, lists and emphasis', () => {
    const out = html('# Reset\n\n**Done**: replaced the `HDMI` cable\n\n| Port | Use |\n| --- | --- |\n| 443 | VPN |\n\n```sh\nls -l *.log\n```\n\n- first\n- ~~second~~');
    expect(out).toMatch(/<h1[^>]*>Reset<\/h1>/);
    expect(out).toContain('<strong>Done</strong>');
    expect(out).toMatch(/<code[^>]*>HDMI<\/code>/);
    expect(out).toMatch(/<table[^>]*>.*<th[^>]*>Port<\/th>.*<td[^>]*>443<\/td>/s);
    expect(out).toMatch(/<pre[^>]*><code data-lang="sh">ls -l \*.log<\/code><\/pre>/);
    expect(out).toMatch(/<li>first<\/li>/);
    expect(out).toContain('<del>second</del>');
  });

  it('keeps raw HTML as visible text, never as elements', () => {
    const out = html('Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n<iframe src="https://evil.test"></iframe>\n\n<a href="javascript:alert(1)">x</a>');
    expect(out).not.toMatch(/<script|<img|<iframe|<a /);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).not.toContain('href="javascript:');
  });

  it('links only http(s) addresses, opening outside the app', () => {
    const out = html('[KB](https://kb.example.com/x) [bad](javascript:alert(1)) [data](data:text/html,hi) [file](file:///etc/passwd) [rel](/settings) <https://auto.example.com> www.example.com');
    expect(out).toMatch(/<a[^>]*href="https:\/\/kb.example.com\/x"[^>]*target="_blank"[^>]*>KB<\/a>/);
    expect(out).toMatch(/href="https:\/\/auto.example.com\/?"/);
    expect(out).not.toMatch(/javascript:|data:text|file:|href="\/settings"/);
    // The words of a refused link stay, without an address.
    expect(out).toContain('<span>bad</span>');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('/relative')).toBeNull();
  });

  it('draws only pictures of the blob store, through the caller', () => {
    const sha = 'a'.repeat(64);
    const image = (s: string, alt: string) => <img data-sha={s} alt={alt} />;
    const out = html(`![Router ports](blob:${sha}) ![remote](https://tracker.example.com/p.png) ![js](javascript:alert(1))`, { image });
    expect(out).toContain(`<img data-sha="${sha}" alt="Router ports"/>`);
    expect(out.match(/<img /g)).toHaveLength(1);
    expect(out).not.toContain('tracker.example.com');
    expect(out).toContain('[remote]');
    // Without a renderer (comments), a picture is only its description.
    expect(html(`![Router ports](blob:${sha})`)).not.toContain('<img');
  });

  it('keeps typed line breaks in comments', () => {
    expect(html('line one\nline two', { breaks: true })).toMatch(/line one<br\/>\s*line two/);
    expect(html('line one\nline two')).not.toContain('<br/>');
  });

  it('renders hostile input (thousands of unmatched delimiters) as text', () => {
    for (const [evil, shown] of [
      ['[x'.repeat(5000), '[x[x[x'],
      [' **x'.repeat(5000), '**x **x'],
    ] as const) {
      const out = html(evil);
      expect(out).not.toMatch(/<a |<strong>/);
      expect(out).toContain(shown);
    }
  });
});
