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
