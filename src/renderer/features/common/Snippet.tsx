/** A search snippet whose marks arrive as \u0002…\u0003, rendered as <mark> elements, never as HTML. */
import { Fragment } from 'react';

/** Splits "a \u0002b\u0003 c" into text and <mark> parts; the text is never parsed as HTML. */
export function Snippet({ text }: { text: string }) {
  const parts: { mark: boolean; s: string }[] = [];
  let mark = false;
  let buf = '';
  for (const ch of text) {
    if (ch === '\u0002' || ch === '\u0003') {
      if (buf) parts.push({ mark, s: buf });
      buf = '';
      mark = ch === '\u0002';
    } else buf += ch;
  }
  if (buf) parts.push({ mark, s: buf });
  return <span className="snippet">{parts.map((p, i) => (p.mark ? <mark key={i}>{p.s}</mark> : <Fragment key={i}>{p.s}</Fragment>))}</span>;
}
