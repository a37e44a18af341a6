import type { NoteFields } from './note.ts';

/** The note every new user finds (SignUpSaga): theirs like any other, to edit or delete. */
export const welcomeNoteFields: Readonly<NoteFields> = {
  title: 'Welcome to Notes',
  content: [
    'This is your first note.',
    '',
    'A note is a title (up to 200 characters) and any text you like. Your notes are listed newest first,',
    'and only you can see them.',
    '',
    'Edit this one to try it out, or delete it when you no longer need it.',
  ].join('\n'),
  // Clients tell the welcome note apart by its tag.
  tags: ['welcome'],
  pinned: false,
  archived: false,
};
