/**
 * Knowledge base rules shared by the device and the server: an article's statuses and the moves
 * between them, who may make each move, and who may change a published article.
 *
 * draft → in review → published → retired. Staff write drafts and send them for review (or back to
 * draft); only administrators publish, retire, or change the text of a published article. Each
 * publish keeps the published text as a revision, so the history of what readers saw is kept.
 */
export const KB_STATUSES = ['draft', 'in_review', 'published', 'retired'] as const;
export type KbStatus = (typeof KB_STATUSES)[number];

export const KB_VISIBILITIES = ['internal', 'public'] as const;
export type KbVisibility = (typeof KB_VISIBILITIES)[number];

export const KB_STATUS_LABELS: Record<KbStatus, string> = { draft: 'Draft', in_review: 'In review', published: 'Published', retired: 'Retired' };

/** The moves the machine allows, and whether only an administrator makes them. */
const MOVES: Record<KbStatus, Partial<Record<KbStatus, 'staff' | 'admin'>>> = {
  draft: { in_review: 'staff', published: 'admin' },
  in_review: { draft: 'staff', published: 'admin' },
  published: { draft: 'staff', retired: 'admin', published: 'admin' },
  retired: { draft: 'staff', published: 'admin' },
};

export function kbCanMove(from: KbStatus, to: KbStatus): boolean {
  return MOVES[from]?.[to] !== undefined;
}

/** Why `role` may not move an article from `from` to `to`, or null when it may. */
export function kbMoveRefusal(role: string, from: string, to: string): string | null {
  const need = MOVES[from as KbStatus]?.[to as KbStatus];
  if (need === undefined) return `A ${KB_STATUS_LABELS[from as KbStatus] ?? from} article cannot move to ${KB_STATUS_LABELS[to as KbStatus] ?? to}.`;
  if (role === 'admin') return null;
  if (need === 'admin') return 'Only administrators publish or retire knowledge articles.';
  if (role !== 'technician') return 'Only staff change knowledge articles.';
  return null;
}

/** Fields that make up what a reader sees: changing them on a published article is a new publish. */
export const KB_CONTENT_FIELDS: readonly string[] = ['title', 'body', 'category', 'visibility'];

/** A new article starts as a draft, or in review. */
export const KB_START_STATUSES: readonly KbStatus[] = ['draft', 'in_review'];

/** How an article's Markdown names an image kept in the store's blob store: `![alt](blob:<sha256>)`. */
export const KB_BLOB_LINK = /^blob:([0-9a-f]{64})$/;
