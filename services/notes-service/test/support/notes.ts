import { randomUUID } from 'node:crypto';
import type { Note } from '../../src/domain/note.ts';

/** A new note of the owner created at that millisecond: its first version, untagged unless `fields` say otherwise. */
export function aNote(
  ownerId: string,
  createdAtMs: number,
  title = 'a note',
  content = '',
  fields: Partial<Note> = {},
): Note {
  const createdAt = new Date(createdAtMs);
  return {
    id: randomUUID(),
    ownerId,
    title,
    content,
    tags: [],
    pinned: false,
    archived: false,
    version: 1,
    createdAt,
    updatedAt: createdAt,
    ...fields,
  };
}
