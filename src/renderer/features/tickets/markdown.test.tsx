import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import { parseInline, parseMarkdown, safeHref } from './markdown';
import { Markdown } from './Markdown';

function html(text: string) {
  return renderToStaticMarkup(
    <MantineProvider>
      <Markdown text={text} />
    </MantineProvider>,
  );
}

describe('parseInline', () => {
  it('reads bold, italic, code and links', () => {
    expect(parseInline('a **b** *c* `d` [e](https://x.test/p)')).toEqual([
      'a ',
      { t: 'strong', children: ['b'] },
      ' ',
      { t: 'em', children: ['c'] },
      ' ',
      { t: 'code', text: 'd' },
      ' ',
      { t: 'link', href: 'https://x.test/p', children: ['e'] },
    ]);
  });

  it('leaves snake_case, lone stars and unclosed marks as text', () => {
    expect(parseInline('run fix_user_names now')).toEqual(['run fix_user_names now']);
    expect(parseInline('2 * 3 * 4')).toEqual(['2 * 3 * 4']);
    expect(parseInline('**open')).toEqual(['**open']);
    expect(parseInline('\\*not italic\\*')).toEqual(['*not italic*']);
  });

  it('makes bare http(s) addresses links without the sentence punctuation', () => {
    expect(parseInline('see https://kb.example.com/a?b=1.')).toEqual([
      'see ',
      { t: 'link', href: 'https://kb.example.com/a?b=1', children: ['https://kb.example.com/a?b=1'] },
      '.',
    ]);
  });

  it('never links anything but http(s)', () => {
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,hi')).toBeNull();
    expect(safeHref('file:///etc/passwd')).toBeNull();
    expect(safeHref('/relative')).toBeNull();
    expect(parseInline('[click](javascript:alert(1))')).toEqual(['click)']);
    expect(parseInline('[share](file://server/x)')).toEqual(['share']);
  });

  it('stays fast on hostile input (many unmatched delimiters)', () => {
    // Every `[` lacks a `]`, every ` **x` opens bold that never closes: each search must not rescan to the end.
    for (const evil of ['[x'.repeat(20000), ' **x'.repeat(20000), ' __x `'.repeat(5000) + '`']) {
      const out = parseInline(evil);
      expect(out.length).toBeGreaterThan(0);
      expect(out.every((n) => typeof n === 'string' || n.t === 'code')).toBe(true);
    }
  });
});

describe('parseMarkdown', () => {
  it('splits paragraphs, fenced code and lists', () => {
    const blocks = parseMarkdown('Line one\nline two\n\n```sh\nls -l *.log\n```\n- first\n- **second**\n\n3. three\n4. four');
    expect(blocks).toEqual([
      { t: 'p', children: ['Line one\nline two'] },
      { t: 'pre', lang: 'sh', text: 'ls -l *.log' },
      { t: 'ul', items: [['first'], [{ t: 'strong', children: ['second'] }]] },
      { t: 'ol', start: 3, items: [['three'], ['four']] },
    ]);
  });
});

describe('<Markdown>', () => {
  it('renders elements, keeps raw HTML as text and line breaks as <br>', () => {
    const out = html('**Done**: replaced the `HDMI` cable\n<script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(out).toContain('<strong>Done</strong>');
    expect(out).toMatch(/<code[^>]*>HDMI<\/code>/);
    expect(out).toContain('<br/>');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('links open outside the app and only for http(s)', () => {
    const out = html('[KB](https://kb.example.com/x) and [bad](javascript:alert(1))');
    expect(out).toMatch(/<a[^>]*href="https:\/\/kb.example.com\/x"[^>]*target="_blank"[^>]*>KB<\/a>/);
    expect(out).not.toContain('javascript:');
    expect(out.match(/<a /g)).toHaveLength(1);
  });
});
