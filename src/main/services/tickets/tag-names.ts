/** The normal form of a tag, shared by the tag service and by ticket creation (tags set by routing). */
import { AppError } from '../../../shared/result';

export const TAG_MAX = 40;

/** The tag as shown (trimmed, inner runs of spaces made one) and its key (lower-case). */
export function normaliseTag(raw: string): { tag: string; key: string } {
  const tag = raw.trim().replace(/\s+/g, ' ');
  const issue = (message: string) => new AppError('invalid_input', message, [{ path: ['tag'], message }]);
  if (!tag) throw issue('Type a tag.');
  if (tag.length > TAG_MAX) throw issue(`Tags are at most ${TAG_MAX} characters.`);
  if (tag.includes(',')) throw issue('Tags cannot contain commas; add each tag on its own.');
  return { tag, key: tag.toLowerCase() };
}
