/**
 * A small, safe Markdown subset for comments: paragraphs with line breaks, **bold**, *italic*, `code`,
 * fenced code blocks, bullet and numbered lists, [links](https://…) and bare http(s) addresses.
 * It parses to a tree that Markdown.tsx turns into React elements: no HTML string is ever produced,
 * raw HTML stays literal text, and only http(s) links become links.
 * Delimiter searches remember failures, so hostile input (thousands of unmatched `*`) stays linear-ish.
 */

export type Inline =
  | string
  | { t: 'code'; text: string }
  | { t: 'strong'; children: Inline[] }
  | { t: 'em'; children: Inline[] }
  | { t: 'link'; href: string; children: Inline[] };

export type Block =
  | { t: 'p'; children: Inline[] }
  | { t: 'pre'; lang: string | null; text: string }
  | { t: 'ul'; items: Inline[][] }
  | { t: 'ol'; start: number; items: Inline[][] };

/** The address if it is an absolute http(s) URL, else null (javascript:, data:, file:, relative…). */
export function safeHref(raw: string): string | null {
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const BULLET = /^ {0,3}[-*+]\s+(.*)$/;
const ORDERED = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)\s*$/;

export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ t: 'p', children: parseInline(para.join('\n')) });
    para = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      // An unclosed fence runs to the end, as in CommonMark.
      while (i < lines.length && !lines[i]!.trim().startsWith(marker)) body.push(lines[i++]!);
      i++;
      blocks.push({ t: 'pre', lang: fence[2] || null, text: body.join('\n') });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    if (bullet || ordered) {
      flush();
      const kind = bullet ? 'ul' : 'ol';
      const start = ordered ? Number(ordered[1]) : 1;
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = kind === 'ul' ? BULLET.exec(l) : ORDERED.exec(l);
        if (m) items.push([kind === 'ul' ? m[1]! : m[2]!]);
        // An indented line continues the item above it.
        else if (/^\s{2,}\S/.test(l) && items.length) items[items.length - 1]!.push(l.trim());
        else break;
        i++;
      }
      const parsed = items.map((it) => parseInline(it.join('\n')));
      blocks.push(kind === 'ul' ? { t: 'ul', items: parsed } : { t: 'ol', start, items: parsed });
      continue;
    }
    if (line.trim() === '') flush();
    else para.push(line);
    i++;
  }
  flush();
  return blocks;
}

const ESCAPABLE = new Set('\\`*_[]()#+-.!~>'.split(''));
const URL_START = /^https?:\/\/[^\s<>"]+/;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const push = (n: Inline) => {
    if (buf) out.push(buf);
    buf = '';
    out.push(n);
  };
  // Delimiters known to have no closer after some position: later searches for them fail too.
  const none = new Map<string, number>();
  const findClose = (delim: string, from: number, ok: (at: number) => boolean): number => {
    const known = none.get(delim);
    if (known !== undefined && from >= known) return -1;
    let at = text.indexOf(delim, from);
    while (at !== -1 && !ok(at)) at = text.indexOf(delim, at + 1);
    if (at === -1) none.set(delim, Math.min(from, known ?? from));
    return at;
  };
  const isWord = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\\' && next !== undefined && ESCAPABLE.has(next)) {
      buf += next;
      i += 2;
      continue;
    }
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      const delim = '`'.repeat(run);
      const close = findClose(delim, i + run, (at) => text[at + run] !== '`' && text[at - 1] !== '`');
      if (close !== -1) {
        push({ t: 'code', text: text.slice(i + run, close) });
        i = close + run;
        continue;
      }
      buf += delim;
      i += run;
      continue;
    }
    if ((c === '*' || c === '_') && next === c) {
      const delim = c + c;
      const inner0 = text[i + 2];
      if (inner0 !== undefined && !/\s/.test(inner0) && !(c === '_' && isWord(text[i - 1]))) {
        const close = findClose(delim, i + 3, (at) => !/\s/.test(text[at - 1]!) && !(c === '_' && isWord(text[at + 2])));
        if (close !== -1) {
          push({ t: 'strong', children: parseInline(text.slice(i + 2, close)) });
          i = close + 2;
          continue;
        }
      }
      buf += delim;
      i += 2;
      continue;
    }
    if (c === '*' || c === '_') {
      // `snake_case_names` stay text: underscores inside words are not emphasis.
      if (next !== undefined && !/\s/.test(next) && !(c === '_' && isWord(text[i - 1]))) {
        const close = findClose(
          c,
          i + 1,
          (at) => text[at + 1] !== c && text[at - 1] !== c && !/\s/.test(text[at - 1]!) && !(c === '_' && isWord(text[at + 1])),
        );
        if (close !== -1 && close > i + 1) {
          push({ t: 'em', children: parseInline(text.slice(i + 1, close)) });
          i = close + 1;
          continue;
        }
      }
      buf += c;
      i++;
      continue;
    }
    if (c === '[') {
      const close = findClose(']', i + 1, () => true);
      if (close !== -1 && text[close + 1] === '(') {
        const end = text.indexOf(')', close + 2);
        const target = end === -1 ? '' : text.slice(close + 2, end);
        if (end !== -1 && !/\s/.test(target.trim())) {
          const href = safeHref(target);
          const label = parseInline(text.slice(i + 1, close)).filter((n) => typeof n === 'string' || n.t !== 'link');
          if (href) push({ t: 'link', href, children: label });
          else {
            // Not http(s): keep the words, drop the address, so nothing unsafe is ever clickable.
            for (const n of label) {
              if (typeof n === 'string') buf += n;
              else push(n);
            }
          }
          i = end + 1;
          continue;
        }
      }
      buf += c;
      i++;
      continue;
    }
    if ((c === 'h' || c === 'H') && !isWord(text[i - 1])) {
      const m = URL_START.exec(text.slice(i, i + 2048));
      if (m) {
        // Trailing punctuation belongs to the sentence, not the address.
        const url = m[0].replace(/[.,;:!?)'\]]+$/, '');
        const href = safeHref(url);
        if (href) {
          push({ t: 'link', href, children: [url] });
          i += url.length;
          continue;
        }
      }
    }
    buf += c;
    i++;
  }
  if (buf) out.push(buf);
  return out;
}
