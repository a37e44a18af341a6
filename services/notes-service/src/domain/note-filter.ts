import { InvalidNoteFilter } from './errors.ts';
import { normalizeTags } from './tags.ts';

/** Which of an owner's live notes a list shows. */
export interface NoteFilter {
  /** Archived notes only, or (the default) only those not archived. */
  archived: boolean;
  /** Undefined: pinned and unpinned alike. */
  pinned: boolean | undefined;
  /** Notes carrying every one of these (normalized) tags; none: any note. */
  tags: string[];
}

/** The default list: every live note that is not archived. */
export const unfilteredList: NoteFilter = { archived: false, pinned: undefined, tags: [] };

/** The filter as a caller gives it, tags normalized as a note's are; InvalidNoteFilter names a bad `tag[i]`. */
export function normalizeNoteFilter(given: {
  archived: boolean;
  pinned: boolean | undefined;
  tags: readonly string[];
}): NoteFilter {
  return { archived: given.archived, pinned: given.pinned, tags: normalizeTags(given.tags, 'tag', InvalidNoteFilter) };
}

/**
 * What binds a cursor to the filter it was made under: empty for the default list (so its cursors
 * keep their form), else a short digest of the normalized filter. A guard against a cursor reused
 * under other filters, not a secret: FNV-1a (32 bits) is enough and needs no crypto.
 */
export function filterFingerprint(filter: NoteFilter): string {
  if (!filter.archived && filter.pinned === undefined && filter.tags.length === 0) return '';
  const normalized = JSON.stringify([filter.archived, filter.pinned ?? null, filter.tags]);
  let hash = 0x811c9dc5;
  for (let i = 0; i < normalized.length; i++) {
    hash = Math.imul(hash ^ normalized.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
