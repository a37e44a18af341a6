/** The codes of input errors: each names the request field that broke a rule. */
export type InvalidInputCode =
  | 'INVALID_NOTE'
  | 'INVALID_NOTE_FILTER'
  | 'INVALID_CURSOR'
  | 'INVALID_PAGE_LIMIT'
  | 'INVALID_CHANGE_LIMIT';

export type NotesErrorCode =
  | 'NOTE_NOT_FOUND'
  | 'VERSION_MISMATCH'
  | 'CHANGE_CURSOR_EXPIRED'
  | 'IDEMPOTENCY_KEY_IN_FLIGHT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | InvalidInputCode;

/** A broken rule of the notes domain. `code` is stable: logs, the BFF and clients may rely on it. */
export class NotesError extends Error {
  readonly code: NotesErrorCode;

  constructor(code: NotesErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Missing, deleted and someone else's notes all look the same, so ids of others' notes leak nothing. */
export class NoteNotFound extends NotesError {
  constructor(noteId: string) {
    super('NOTE_NOT_FOUND', `note ${noteId} not found`);
  }
}

/** Input that breaks a rule about one request field, named so the edge can point the caller at it. */
export class InvalidInput extends NotesError {
  declare readonly code: InvalidInputCode;
  readonly field: string;

  constructor(code: InvalidInputCode, field: string, message: string) {
    super(code, message);
    this.field = field;
  }
}

export class InvalidNote extends InvalidInput {
  /** `field` is `title`, `content`, `tags` or one tag (`tags[3]`). */
  constructor(field: string, message: string) {
    super('INVALID_NOTE', field, message);
  }
}

export class InvalidNoteFilter extends InvalidInput {
  /** `field` is `tag` or one tag (`tag[1]`). */
  constructor(field: string, message: string) {
    super('INVALID_NOTE_FILTER', field, message);
  }
}

export class InvalidCursor extends InvalidInput {
  constructor() {
    super('INVALID_CURSOR', 'cursor', 'cursor is not one returned by a previous page');
  }
}

export class InvalidPageLimit extends InvalidInput {
  constructor(limit: number) {
    super('INVALID_PAGE_LIMIT', 'limit', `limit must be between 1 and 100 (0 for the default), got ${limit}`);
  }
}

export class InvalidChangeLimit extends InvalidInput {
  constructor(limit: number) {
    super('INVALID_CHANGE_LIMIT', 'limit', `limit must be between 1 and 500 (0 for the default), got ${limit}`);
  }
}

/**
 * A change-feed cursor from before deletions that were purged (past their retention): the changes
 * after it can no longer all be told, so the client has to sync in full again.
 */
export class ChangeCursorExpired extends NotesError {
  constructor() {
    super('CHANGE_CURSOR_EXPIRED', 'cursor is older than the retention of deletion markers; sync again without one');
  }
}

/** An update that expected another version: someone else changed the note in between. */
export class VersionMismatch extends NotesError {
  readonly expectedVersion: number;
  readonly currentVersion: number;

  constructor(noteId: string, expectedVersion: number, currentVersion: number) {
    super('VERSION_MISMATCH', `note ${noteId} is at version ${currentVersion}, not ${expectedVersion}`);
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
  }
}

/** A write with an idempotency key whose first request is still being processed: try again shortly. */
export class IdempotencyKeyInFlight extends NotesError {
  constructor(key: string) {
    super(
      'IDEMPOTENCY_KEY_IN_FLIGHT',
      `a request with idempotency key ${JSON.stringify(key)} is still being processed`,
    );
  }
}

/** A write with an idempotency key that was first used with another request. */
export class IdempotencyKeyReused extends NotesError {
  readonly key: string;

  constructor(key: string) {
    super('IDEMPOTENCY_KEY_REUSED', `idempotency key ${JSON.stringify(key)} was used with another request`);
    this.key = key;
  }
}
