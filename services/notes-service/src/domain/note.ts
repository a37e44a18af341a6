import { InvalidNote } from './errors.ts';
import { normalizeTags } from './tags.ts';

/** What an owner writes of a note: its title and content, as validated by assertValidNoteFields. */
export interface NoteText {
  title: string;
  content: string;
}

/** Everything an owner decides about a note, as stored: tags normalized (normalizeTags). */
export interface NoteFields extends NoteText {
  tags: string[];
  pinned: boolean;
  archived: boolean;
}

/** A note's fields as a writer gives them: tags not yet normalized; one left out takes its default (none, false, false). */
export interface NoteInput extends NoteText {
  tags?: readonly string[] | undefined;
  pinned?: boolean | undefined;
  archived?: boolean | undefined;
}

export interface Note extends NoteFields {
  id: string;
  ownerId: string;
  /** 1 when created, one more with every update: the optimistic-concurrency token (the BFF's ETag). */
  version: number;
  /** Millisecond precision, so a cursor built from it finds the note again exactly. */
  createdAt: Date;
  updatedAt: Date;
}

export const titleMaxLength = 200;
export const contentMaxLength = 100_000;

/**
 * Throws InvalidNote naming the first field that breaks the rules: a title of 1 to 200 characters
 * that is not blank, a content of at most 100,000 characters, neither with a NUL character.
 * Characters are Unicode code points, as the API promises, so an emoji counts once although it
 * takes two UTF-16 units.
 */
export function assertValidNoteFields(fields: NoteText): void {
  if (fields.title.trim() === '') throw new InvalidNote('title', 'title must not be blank');
  if (codePointCount(fields.title) > titleMaxLength) {
    throw new InvalidNote('title', `title must be at most ${titleMaxLength} characters`);
  }
  if (codePointCount(fields.content) > contentMaxLength) {
    throw new InvalidNote('content', `content must be at most ${contentMaxLength} characters`);
  }
  // PostgreSQL's text cannot hold U+0000: refused here, not as a failed INSERT.
  if (fields.title.includes('\0')) throw new InvalidNote('title', 'title must not contain NUL characters');
  if (fields.content.includes('\0')) throw new InvalidNote('content', 'content must not contain NUL characters');
}

function codePointCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** The fields to store: title and content checked, tags normalized; InvalidNote names the first field that breaks a rule. */
export function normalizeNoteFields(input: NoteInput): NoteFields {
  assertValidNoteFields(input);
  return {
    title: input.title,
    content: input.content,
    tags: normalizeTags(input.tags ?? []),
    pinned: input.pinned ?? false,
    archived: input.archived ?? false,
  };
}
