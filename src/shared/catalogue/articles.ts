/** Help articles in the portal: only published public ones, with a plain excerpt for the list. */
import type { PortalArticleSummary } from '../api/portal';

export function isPublicArticle(data: Record<string, unknown>): boolean {
  return data.status === 'published' && data.visibility === 'public';
}

/** Markdown to plain words (for an excerpt, never for display of the article itself). */
export function plainText(md: string): string {
  return md
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`|~-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** About 160 characters around the first word of `q` found in the text (its opening when none). */
export function excerpt(body: string, q: string): string {
  const text = plainText(body);
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const lower = text.toLowerCase();
  const at = words.map((w) => lower.indexOf(w)).filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, at - 60);
  const cut = text.slice(start, start + 160);
  return `${start > 0 ? '…' : ''}${cut}${start + 160 < text.length ? '…' : ''}`;
}

/** Whether every word of `q` is in the article's title, category or body (case does not matter). */
export function matchesArticle(a: { title: string; category: string | null; body: string }, q: string): boolean {
  const hay = `${a.title} ${a.category ?? ''} ${a.body}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

export type { PortalArticleSummary };
