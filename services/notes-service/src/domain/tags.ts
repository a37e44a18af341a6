import { type InvalidInput, InvalidNote } from './errors.ts';

/** One tag and how many of an owner's live notes carry it. */
export interface TagCount {
  tag: string;
  count: number;
}

export const maxTagsPerNote = 20;
export const tagMaxLength = 40;

// After normalizing: 1 to 40 code points, each a Unicode letter, a decimal digit, '-' or '_'.
const tagPattern = new RegExp(`^[\\p{L}\\p{Nd}_-]{1,${tagMaxLength}}$`, 'u');

/**
 * A note's tags as stored and returned: each trimmed, lower-cased and stripped of one leading '#',
 * duplicates collapsed, sorted. Throws InvalidNote naming the first tag that breaks the rules
 * (`tags[3]`), or `tags` when more than 20 are given. A list filter names its own field and error.
 */
export function normalizeTags(
  tags: readonly string[],
  field = 'tags',
  invalid: new (field: string, message: string) => InvalidInput = InvalidNote,
): string[] {
  if (tags.length > maxTagsPerNote) throw new invalid(field, `at most ${maxTagsPerNote} tags are allowed`);
  const normalized = new Set<string>();
  tags.forEach((given, index) => {
    const tag = normalizeTag(given);
    if (!tagPattern.test(tag)) {
      throw new invalid(
        `${field}[${index}]`,
        `a tag must be 1 to ${tagMaxLength} letters, digits, '-' or '_' (after an optional leading '#')`,
      );
    }
    normalized.add(tag);
  });
  return [...normalized].sort();
}

function normalizeTag(given: string): string {
  const tag = given.trim().toLowerCase();
  return tag.startsWith('#') ? tag.slice(1) : tag;
}
