import type { CreateWelcomeNote } from '../../src/app/create-welcome-note.ts';

/** The reason the refusal gives. */
export const welcomeNotesSwitchedOff = 'welcome notes are switched off';

/**
 * CreateWelcomeNote answered with a failure, no note made: a participant that refuses, so that
 * SignUpSaga compensates (composeNotesService's createWelcomeNote override).
 */
export const refuseWelcomeNotes: CreateWelcomeNote = (command, { replies }) =>
  replies.failed(command, welcomeNotesSwitchedOff);
