/**
 * Knowledge articles' pictures on the server (docs/knowledge.md, "Pictures"): a picture is served
 * only for the article it was uploaded for (every byte, by someone who may write that article:
 * kb_article_pictures), while that article lives and its body still shows it, and only when its bytes
 * are a PNG, JPEG, GIF or WebP picture. Whether the caller may read the article is the caller's
 * check (the blob route's and the portal's own, by the pull's rules).
 */
import { pictureType, type KbImageType } from '../shared/kb/pictures';
import type { ServerStore, StoredRecord } from './store/types';

export interface ServedPicture {
  article: StoredRecord;
  bytes: Buffer;
  mediaType: KbImageType;
}

/** The picture and its article, or null for anything else (not uploaded for it, not shown, not a picture). */
export async function pictureOf(store: ServerStore, sha256: string, articleId: string): Promise<ServedPicture | null> {
  if (!(await store.isArticlePicture(sha256, articleId))) return null;
  const article = (await store.readRecords([{ entity: 'kb_articles', id: articleId }])).get(`kb_articles/${articleId}`);
  if (!article || article.deletedHlc || !String(article.data.body ?? '').includes(`blob:${sha256}`)) return null;
  const bytes = await store.readBlob(sha256);
  const mediaType = bytes ? pictureType(bytes) : null;
  return bytes && mediaType ? { article, bytes, mediaType } : null;
}

/** Headers for a picture's bytes: its own type, never sniffed, never run as a page, never kept by a shared cache. */
export function pictureHeaders(p: ServedPicture, sha256: string): Record<string, string | number> {
  return {
    'content-type': p.mediaType,
    'content-length': p.bytes.length,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'content-disposition': 'inline',
    'cross-origin-resource-policy': 'same-origin',
    // Who may read it can change (an article made internal): asked again every time, kept by no cache.
    'cache-control': 'private, no-store',
    'x-content-sha256': sha256,
  };
}
